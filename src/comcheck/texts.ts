import { groupFingerprint } from '../mime/list-message.js';

/**
 * What the list writes to members and owners for com-checks, welcomes, key warnings and key
 * requests. Pure text; the token appears only in bodies, which travel encrypted.
 */

export interface Mail {
  subject: string;
  /** The visible (unencrypted) subject: what to do, never a token or a name. */
  outerSubject: string;
  text: string;
}

const day = (iso: string): string => iso.slice(0, 10);
const minute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function pingMail(p: {
  prefix: string;
  listName: string;
  listAddress: string;
  comcheckAddress: string;
  windowHours: number;
  closesAt: string;
  requireSigned: boolean;
  token: string;
}): Mail {
  const subject = `${p.prefix} Com-check: reply to this message (encrypted and signed) within ${p.windowHours} hours`;
  return {
    subject,
    outerSubject: subject,
    text: [
      `This is a communication check ("com-check") of ${p.listName} <${p.listAddress}>.`,
      '',
      'Please show that you can still read encrypted list mail and sign with your enrolled key:',
      `press Reply, keep the quoted text, and send your reply encrypted${p.requireSigned ? ' and signed' : ' (and preferably signed)'}`,
      `by ${minute(p.closesAt)} (${p.windowHours} hours).`,
      '',
      'Your personal com-check token (it appears only inside this encrypted message):',
      '',
      `    ${p.token}`,
      '',
      `Replies go to ${p.comcheckAddress} and are never distributed to the list.`,
      `Replies after the deadline are recorded as late${p.requireSigned ? '; unsigned replies are recorded but not counted' : ''}.`,
      '',
    ].join('\n'),
  };
}

export function welcomeMail(p: {
  prefix: string;
  listName: string;
  listAddress: string;
  comcheckAddress: string;
  fingerprint: string;
  token: string;
}): Mail {
  const subject = `${p.prefix} Welcome: confirm your membership with an encrypted and signed reply`;
  return {
    subject,
    outerSubject: subject,
    text: [
      `You have been enrolled in ${p.listName} <${p.listAddress}> with the OpenPGP key`,
      `    ${groupFingerprint(p.fingerprint)}`,
      '',
      'Before you receive list mail, please confirm that you hold this key:',
      'press Reply, keep the quoted text, and send your reply encrypted and signed with this key.',
      '',
      'Your confirmation token (it appears only inside this encrypted message):',
      '',
      `    ${p.token}`,
      '',
      `Replies go to ${p.comcheckAddress} and are never distributed to the list.`,
      'If you did not expect this message, tell the list owners.',
      '',
    ].join('\n'),
  };
}

export function expiryWarningMail(p: {
  prefix: string;
  listName: string;
  listAddress: string;
  requestAddress: string;
  fingerprint: string;
  expires: string;
  daysLeft: number;
}): Mail {
  const subject = `${p.prefix} Your OpenPGP key expires in ${p.daysLeft} days`;
  return {
    subject,
    outerSubject: `${p.prefix} Your OpenPGP key expires soon: please send an updated key`,
    text: [
      `Your OpenPGP key enrolled in ${p.listName} <${p.listAddress}>`,
      `    ${groupFingerprint(p.fingerprint)}`,
      `expires on ${day(p.expires)} (in ${p.daysLeft} days). After that you will receive no list mail`,
      '(the list never sends in plain text) until the key is updated.',
      '',
      'To update it, extend the key (for example: gpg --quick-set-expire <fingerprint> 1y) or make a',
      `new one, and send the public key to ${p.requestAddress}, as an attachment or pasted`,
      'as an armored block, in a message encrypted to the list key and signed with your CURRENT key.',
      'A new identity (a key you cannot sign for with the current one) goes through the list owners.',
      '',
    ].join('\n'),
  };
}

export function keyUpdatedMail(p: {
  prefix: string;
  listName: string;
  listAddress: string;
  oldFingerprint: string;
  fingerprint: string;
  expires: string | null;
  pending: boolean;
}): Mail {
  const subject = `${p.prefix} Your OpenPGP key was updated`;
  const same = p.oldFingerprint === p.fingerprint;
  return {
    subject,
    outerSubject: subject,
    text: [
      `Your key enrolled in ${p.listName} <${p.listAddress}> was updated at your request:`,
      same ? `    ${groupFingerprint(p.fingerprint)} (same key, refreshed)` : `    was ${groupFingerprint(p.oldFingerprint)}`,
      ...(same ? [] : [`    now ${groupFingerprint(p.fingerprint)}`]),
      `It expires: ${p.expires === null ? 'never' : day(p.expires)}.`,
      ...(p.pending
        ? ['', 'You will receive list mail again once you answer the welcome message sent to the new key.']
        : []),
      '',
      'If you did not ask for this, tell the list owners at once.',
      '',
    ].join('\n'),
  };
}

export function keyRefusedMail(p: { prefix: string; listName: string; listAddress: string; requestAddress: string; reason: string }): Mail {
  const subject = `${p.prefix} Your key update was refused`;
  return {
    subject,
    outerSubject: subject,
    text: [
      `A message to ${p.requestAddress} from your address asked to change your key in`,
      `${p.listName} <${p.listAddress}>. It was refused: ${p.reason}.`,
      '',
      'Send the new public key in a message encrypted to the list key and signed with your currently',
      'enrolled key. A new identity (a key you cannot sign for with the current one) goes through the',
      'list owners. If you did not send this request, tell the list owners.',
      '',
    ].join('\n'),
  };
}

export function ownerNoticeMail(p: { prefix: string; listAddress: string; title: string; lines: readonly string[] }): Mail {
  const subject = `${p.prefix} ${p.title}`;
  return {
    subject,
    outerSubject: `${p.prefix} Notice to the list owners`,
    text: [`${p.title} (${p.listAddress}):`, '', ...p.lines.map((l) => `- ${l}`), ''].join('\n'),
  };
}
