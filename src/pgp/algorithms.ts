import type { AlgorithmInfo } from 'openpgp';
import { MIN_RSA_BITS } from './config.js';

/** GnuPG-style short names ("rsa3072", "ed25519", "cv25519"), the ones administrators know. */
export function algorithmName(info: AlgorithmInfo): string {
  switch (info.algorithm) {
    case 'rsaEncryptSign':
    case 'rsaEncrypt':
    case 'rsaSign':
      return `rsa${info.bits ?? '?'}`;
    case 'dsa':
      return `dsa${info.bits ?? '?'}`;
    case 'elgamal':
      return `elg${info.bits ?? '?'}`;
    case 'eddsaLegacy':
      return 'ed25519';
    case 'ecdh':
    case 'ecdsa':
      return curveName(info.curve);
    default:
      return String(info.algorithm).toLowerCase();
  }
}

function curveName(curve: AlgorithmInfo['curve']): string {
  switch (curve) {
    case 'curve25519Legacy':
      return 'cv25519';
    case 'ed25519Legacy':
      return 'ed25519';
    case 'nistP256':
    case 'nistP384':
    case 'nistP521':
      return curve.toLowerCase();
    default:
      return curve ?? 'unknown-curve';
  }
}

/**
 * Why an algorithm is refused, as a phrase for a refusal message, or null if it is acceptable.
 * Mirrors strictConfig(): anything openpgp.js would refuse to use, we refuse to enroll.
 */
export function algorithmWeakness(info: AlgorithmInfo): string | null {
  switch (info.algorithm) {
    case 'dsa':
      return `DSA (${info.bits ?? '?'} bits) is no longer accepted`;
    case 'elgamal':
      return `ElGamal (${info.bits ?? '?'} bits) is no longer accepted`;
    case 'rsaEncryptSign':
    case 'rsaEncrypt':
    case 'rsaSign':
      return (info.bits ?? 0) < MIN_RSA_BITS ? `RSA with ${info.bits ?? '?'} bits is too weak (at least ${MIN_RSA_BITS} needed)` : null;
    case 'ecdh':
    case 'ecdsa':
      return info.curve === 'secp256k1' ? 'the secp256k1 curve is not supported' : null;
    default:
      return null;
  }
}
