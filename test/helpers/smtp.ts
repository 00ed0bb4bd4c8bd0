import nodemailer from 'nodemailer';

export interface SmtpOutcome {
  code: number;
  response: string;
}

/** Submit raw bytes to the daemon over real SMTP; resolves with the reply to DATA (or to RCPT). */
export async function submit(port: number, from: string, to: string, raw: Buffer): Promise<SmtpOutcome> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'client.test' });
  t.on('error', () => undefined);
  try {
    const info = await t.sendMail({ envelope: { from, to: [to] }, raw });
    const response = String(info.response);
    return { code: Number(response.slice(0, 3)), response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message?: string };
    return { code: e.responseCode ?? 0, response: e.response ?? e.message ?? String(err) };
  } finally {
    t.close();
  }
}
