#!/usr/bin/env bash
# Regenerates test/fixtures/keys/ and test/fixtures/pgp/: real keys for every enrollment refusal and
# real GnuPG-made messages for the decrypt/verify tests. Run from anywhere; needs gpg 2.2, node, npx.
#
# Every key is made with the clock frozen at 2024-01-01 and every signature at 2024-06-01, so the
# tests can pin "now" to 2026-01-01 and get the same answers forever (expired stays expired, keys
# without expiry stay valid). Secret keys are exported only where a test must sign or decrypt, and
# they are test-only (see test/fixtures/keys/README.md).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KEYS="$ROOT/test/fixtures/keys"
MSGS="$ROOT/test/fixtures/pgp"
T0='20240101T000000'
TSIGN='20240601T000000'
HELPER=(node --import tsx "$ROOT/scripts/fixtures/openpgpjs-fixtures.ts")

H="$(mktemp -d /tmp/remailer-fixtures.XXXXXX)"
chmod 700 "$H"
cleanup() { gpgconf --homedir "$H" --kill gpg-agent >/dev/null 2>&1 || true; rm -rf "$H"; }
trap cleanup EXIT

# One gpg call at a frozen time: g <yyyymmddThhmmss> args...
g() {
  local t="$1"; shift
  gpg --homedir "$H" --batch --yes --quiet --pinentry-mode loopback --passphrase '' \
    --trust-model always --faked-system-time "$t!" "$@" 2>/dev/null
}
fpr() { gpg --homedir "$H" --batch --with-colons --list-keys "=$1" 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}'; }
# newkey <uid> <primary-algo> <primary-usage> <expire> [<subkey-algo> <subkey-usage> <subkey-expire>]
newkey() {
  g "$T0" --quick-gen-key "$1" "$2" "$3" "$4"
  if [ $# -ge 7 ]; then g "$T0" --quick-add-key "$(fpr "$1")" "$5" "$6" "$7"; fi
}
pub() { g "$T0" --armor --export "$(fpr "$1")" >"$KEYS/$2.pub.asc"; }
sec() { g "$T0" --armor --export-secret-keys "$(fpr "$1")" >"$KEYS/$2.sec.asc"; }

rm -rf "$KEYS" "$MSGS"
mkdir -p "$KEYS" "$MSGS"

ALICE='Alice Member <alice@example.org>'
BOB='Bob Member <bob@example.org>'
newkey "$ALICE" ed25519 sign,cert never cv25519 encr never
newkey "$BOB" rsa3072 sign,cert never rsa3072 encr never
newkey 'Alice Second <alice@example.org>' ed25519 sign,cert never cv25519 encr never
newkey 'Weak RSA <weak-rsa@example.org>' rsa1024 sign,cert never rsa1024 encr never
newkey 'Weak Subkey <weak-subkey@example.org>' ed25519 sign,cert never rsa1024 encr never
newkey 'Old DSA <dsa@example.org>' dsa2048 sign,cert never elg2048 encr never
newkey 'ElGamal Subkey <elg-subkey@example.org>' ed25519 sign,cert never elg2048 encr never
newkey 'Expired Member <expired@example.org>' ed25519 sign,cert 1y cv25519 encr 1y
# Expires 2026-01-15: 14 days after the tests' "now".
newkey 'Soon Member <soon@example.org>' ed25519 sign,cert seconds=64368000 cv25519 encr seconds=64368000
newkey 'Sub Expired <subexpired@example.org>' ed25519 sign,cert never cv25519 encr 1y
newkey 'Sign Only <signonly@example.org>' ed25519 sign,cert never
newkey 'No Sign <nosign@example.org>' ed25519 cert never cv25519 encr never
newkey 'Mallory Other <mallory@example.net>' ed25519 sign,cert never cv25519 encr never
newkey 'Revoked Member <revoked@example.org>' ed25519 sign,cert never cv25519 encr never
newkey 'Retired Member <retired@example.org>' ed25519 sign,cert never cv25519 encr never

pub "$ALICE" alice
sec "$ALICE" alice
g "$T0" --export "$(fpr "$ALICE")" >"$KEYS/alice.pub.gpg"
g "$T0" --export-secret-keys "$(fpr "$ALICE")" >"$KEYS/alice.sec.gpg"
pub "$BOB" bob-rsa3072
sec "$BOB" bob-rsa3072
pub 'Weak RSA <weak-rsa@example.org>' rsa1024
pub 'Weak Subkey <weak-subkey@example.org>' rsa1024-subkey
pub 'Old DSA <dsa@example.org>' dsa-elgamal
pub 'ElGamal Subkey <elg-subkey@example.org>' elgamal-subkey
pub 'Expired Member <expired@example.org>' expired
pub 'Soon Member <soon@example.org>' expiring-soon
pub 'Sub Expired <subexpired@example.org>' encryption-subkey-expired
pub 'Sign Only <signonly@example.org>' no-encryption-subkey
pub 'No Sign <nosign@example.org>' no-signing-key
pub 'Mallory Other <mallory@example.net>' wrong-uid
# GnuPG's own revocation certificate (reason "no reason specified", i.e. a hard revocation).
REVOKED_FPR="$(fpr 'Revoked Member <revoked@example.org>')"
sed 's/^://' "$H/openpgp-revocs.d/$REVOKED_FPR.rev" | g "$T0" --import
pub 'Revoked Member <revoked@example.org>' revoked
cat "$KEYS/alice.pub.asc" "$KEYS/bob-rsa3072.pub.asc" >"$KEYS/two-keys.pub.asc"
g "$T0" --armor --export "$(fpr "$ALICE")" "$(fpr 'Alice Second <alice@example.org>')" >"$KEYS/two-keys-same-uid.pub.asc"

"${HELPER[@]}" openpgpjs "$KEYS" 2024-01-01T00:00:00Z
"${HELPER[@]}" v3 "$KEYS/v3-rsa.pub.asc" 2024-01-01T00:00:00Z
"${HELPER[@]}" corrupt-selfsig "$KEYS/alice.pub.asc" "$KEYS/bad-self-signature.pub.asc"
# Revoked a month after it signed: compromised (hard) and superseded (soft, which openpgp.js
# itself would still accept for older signatures).
RETIRED_SEC="$H/retired.sec.asc"
g "$T0" --armor --export-secret-keys "$(fpr 'Retired Member <retired@example.org>')" >"$RETIRED_SEC"
"${HELPER[@]}" revoke "$RETIRED_SEC" "$KEYS/revoked-superseded.pub.asc" 2024-07-01T00:00:00Z superseded
"${HELPER[@]}" revoke "$RETIRED_SEC" "$KEYS/revoked-compromised.pub.asc" 2024-07-01T00:00:00Z compromised

# --- messages -----------------------------------------------------------------------------------
g "$T0" --import "$KEYS/list.pub.asc"
LIST="$(fpr 'Fixture List <list@lists.example.org>')"
# A MIME entity with CRLF line ends, a trailing space and 8-bit bytes: all must survive byte-exact.
printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nTLP:AMBER incident note \r\n- line with a dash\r\nGr\xc3\xbc\xc3\x9fe\r\n' >"$MSGS/inner.eml"
IN="$MSGS/inner.eml"
sign_to_list() { g "$TSIGN" --armor --encrypt --sign -r "$LIST" -u "$(fpr "$1")" "${@:3}" --output "$MSGS/$2" "$IN"; }
sign_to_list "$ALICE" alice-signed.asc
sign_to_list "$ALICE" alice-signed-textmode.asc --textmode
sign_to_list 'Expired Member <expired@example.org>' expired-signed.asc
sign_to_list 'Retired Member <retired@example.org>' retired-signed.asc
sign_to_list 'Mallory Other <mallory@example.net>' mallory-signed.asc
g "$TSIGN" --armor --encrypt -r "$LIST" --output "$MSGS/unsigned.asc" "$IN"
g "$TSIGN" --armor --encrypt --sign -r "$(fpr "$BOB")" -u "$(fpr "$ALICE")" --output "$MSGS/to-bob-only.asc" "$IN"
g "$TSIGN" --armor --encrypt --sign -r "$(fpr "$BOB")" -r "$LIST" -u "$(fpr "$ALICE")" --output "$MSGS/to-bob-and-list.asc" "$IN"
gpg --homedir "$H" --batch --yes --quiet --pinentry-mode loopback --passphrase 'secret' --faked-system-time "$TSIGN!" \
  --armor --symmetric --output "$MSGS/symmetric.asc" "$IN" 2>/dev/null
# A compression bomb: 20 MiB of zeros in about 20 KiB of ciphertext.
head -c 20971520 /dev/zero | g "$TSIGN" --encrypt -r "$LIST" --compress-algo zlib -z 9 --output "$MSGS/bomb.gpg"
# RFC 3156 §6.1 inner multipart/signed part, its detached signature; and a cleartext-signed block.
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned part body.\r\nSecond line.\r\n' >"$MSGS/part.eml"
g "$TSIGN" --armor --detach-sign -u "$(fpr "$ALICE")" --output "$MSGS/part.eml.alice.sig.asc" "$MSGS/part.eml"
g "$TSIGN" --armor --detach-sign -u "$(fpr 'Expired Member <expired@example.org>')" --output "$MSGS/part.eml.expired.sig.asc" "$MSGS/part.eml"
printf 'TLP:GREEN inline note   \n- dash-escaped line\nFrom the start of a line\n' >"$MSGS/cleartext.txt"
g "$TSIGN" --armor --clearsign -u "$(fpr "$ALICE")" --output "$MSGS/cleartext.alice.asc" "$MSGS/cleartext.txt"

cat >"$KEYS/README.md" <<'EOF'
# Test key fixtures — generated, do not edit

Regenerate with `scripts/make-key-fixtures.sh` (GnuPG 2.2 plus openpgp.js; clock frozen at
2024-01-01, signatures at 2024-06-01; tests pin "now" to 2026-01-01).

Everything here is **test-only**. The `*.sec.asc` / `*.sec.gpg` files are unprotected secret keys
kept only because a test must sign or decrypt with them (alice, bob-rsa3072, carol-openpgpjs) or
because the enrollment check must refuse secret key material (alice.sec.*). `list.sec.asc` is
protected with the passphrase `fixture-list-passphrase`. Never use any of these keys for real mail.

| file | what it is |
| --- | --- |
| alice.pub.asc / .gpg | good: Ed25519 + Cv25519 from GnuPG (binary copy for binary input) |
| bob-rsa3072.pub.asc | good: RSA-3072 + RSA-3072 from GnuPG |
| carol-openpgpjs.pub.asc | good: openpgp.js default (v4 Ed25519 legacy + Cv25519) |
| list.pub.asc / list.sec.asc | a list key made like `generateListKey` |
| expiring-soon.pub.asc | good, expires 2026-01-15 |
| rsa1024.pub.asc | refused: RSA-1024 primary |
| rsa1024-subkey.pub.asc | refused: strong primary, only encryption subkey is RSA-1024 |
| dsa-elgamal.pub.asc | refused: DSA primary + ElGamal subkey |
| elgamal-subkey.pub.asc | refused: Ed25519 primary, only encryption subkey is ElGamal |
| v3-rsa.pub.asc | refused: hand-built PGP 2.x v3 key (GnuPG cannot make one) |
| expired.pub.asc | refused: expired 2025-01-01 |
| revoked.pub.asc | refused: revoked with GnuPG's revocation certificate |
| revoked-superseded.pub.asc / revoked-compromised.pub.asc | revoked 2024-07-01, after signing messages in ../pgp |
| encryption-subkey-expired.pub.asc | refused: the only encryption subkey expired |
| no-encryption-subkey.pub.asc | refused: sign-only key |
| no-signing-key.pub.asc | refused: certify-only primary + encryption subkey |
| bad-self-signature.pub.asc | refused: alice with a corrupted self-signature |
| wrong-uid.pub.asc | refused for any @example.org member |
| two-keys.pub.asc | two armor blocks: alice and bob |
| two-keys-same-uid.pub.asc | one block, two keys both with alice@example.org |
EOF
echo "fixtures written to $KEYS and $MSGS"
