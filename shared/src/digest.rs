//! Digests in text: lowercase hex, and hex SHA-256, which the ids, keys and checks of a delivery
//! are made of.

use sha2::{Digest, Sha256};

/// `bytes` in lowercase hex. Each event needs four or five of these (digests, ids, a lease
/// token), so they are written straight into a string of the final size (`hex::encode` goes
/// through an iterator of characters).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Hex SHA-256 of `bytes` (64 characters).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_the_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    proptest::proptest! {
        #[test]
        fn hex_is_lowercase_hex_two_digits_a_byte(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            proptest::prop_assert_eq!(hex(&bytes), hex::encode(&bytes));
        }
    }
}
