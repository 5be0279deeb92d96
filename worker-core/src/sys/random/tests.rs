use super::*;

#[test]
fn random_bytes_fill_the_buffer() {
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    random_bytes(&mut a).unwrap();
    random_bytes(&mut b).unwrap();
    assert_ne!(a, b, "two draws of 512 random bits differ");
    assert!(a.iter().filter(|&&byte| byte == 0).count() < 16);
}
