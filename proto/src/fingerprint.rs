//! A device fingerprint people can compare by reading it aloud: four groups of five digits
//! derived from the device's public key (about 66 bits).

use iroh_base::PublicKey;

/// The fingerprint of a device key, e.g. `04718 22093 65512 90321`.
pub fn fingerprint(key: &PublicKey) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"groundwork device fingerprint v1");
    hasher.update(key.as_bytes());
    let hash = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&hash.as_bytes()[..16]);
    let mut n = u128::from_le_bytes(first) % 10u128.pow(20);
    let mut groups = Vec::with_capacity(4);
    for _ in 0..4 {
        groups.push(format!("{:05}", n % 100_000));
        n /= 100_000;
    }
    groups.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_distinct() {
        let a = iroh_base::SecretKey::from_bytes(&[7; 32]).public();
        let b = iroh_base::SecretKey::from_bytes(&[8; 32]).public();
        assert_eq!(fingerprint(&a), fingerprint(&a));
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let f = fingerprint(&a);
        assert_eq!(f.len(), 23);
        assert!(
            f.split(' ')
                .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_digit()))
        );
    }
}
