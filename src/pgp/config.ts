import * as openpgp from 'openpgp';

const { enums } = openpgp;

/**
 * RSA moduli below this are refused. openpgp.js's own floor is 2047 (to tolerate old 2048-bit keys
 * whose modulus has a leading zero bit); we are one bit stricter so that enrollment and delivery
 * refuse exactly the same keys.
 */
export const MIN_RSA_BITS = 2048;

/**
 * Every security-relevant openpgp.js setting, stated explicitly. Built on each call from the
 * library's global config, so a change to that global (by another module or a test) can never
 * loosen these.
 */
export function strictConfig(overrides: Partial<openpgp.Config> = {}): openpgp.Config {
  return {
    ...openpgp.config,
    minRSABits: MIN_RSA_BITS,
    rejectPublicKeyAlgorithms: new Set([enums.publicKey.elgamal, enums.publicKey.dsa]),
    rejectCurves: new Set([enums.curve.secp256k1]),
    rejectHashAlgorithms: new Set([enums.hash.md5, enums.hash.ripemd]),
    rejectMessageHashAlgorithms: new Set([enums.hash.md5, enums.hash.ripemd, enums.hash.sha1]),
    allowUnauthenticatedMessages: false,
    allowUnauthenticatedStream: false,
    allowInsecureDecryptionWithSigningKeys: false,
    allowInsecureVerificationWithReformattedKeys: false,
    allowMissingKeyFlags: false,
    ignoreMalformedPackets: false,
    enforceGrammar: true,
    // v4 keys and SEIPDv1 output: what GnuPG 2.2 reads (standards §3).
    v6Keys: false,
    aeadProtect: false,
    preferredCompressionAlgorithm: enums.compression.uncompressed,
    ...overrides,
  };
}

/**
 * The same settings with the algorithm policy switched off. Used only to explain a refusal: if a
 * key has a usable subkey under this config but not under strictConfig, it is refused as weak
 * rather than as "no encryption key".
 */
export function algorithmBlindConfig(): openpgp.Config {
  return strictConfig({ minRSABits: 0, rejectPublicKeyAlgorithms: new Set(), rejectCurves: new Set() });
}
