#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const K2: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

fn ring1() -> KeyRing {
    KeyRing::from_text(&format!("k1 {K1}")).unwrap()
}

fn place(row: &str) -> Aad<'_> {
    Aad::new("residents", "id_number", row)
}

fn temp_path(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wangge-seal-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    dir.join(name)
}

#[test]
fn round_trip() {
    let ring = ring1();
    for plain in ["350102199001011234", "", "张三丰 · 重点人员"] {
        let sealed = ring.seal(plain, &place("r1")).unwrap();
        assert!(sealed.starts_with("v1:k1:"), "{sealed}");
        assert!(!sealed.contains(plain) || plain.is_empty());
        assert_eq!(ring.open(&sealed, &place("r1")).unwrap(), plain);
    }
}

#[test]
fn other_place_fails() {
    let ring = ring1();
    let sealed = ring.seal("13812345678", &place("r1")).unwrap();
    for other in [
        place("r2"),
        Aad::new("residents", "phone", "r1"),
        Aad::new("volunteers", "id_number", "r1"),
        // Same concatenation, different split: the length prefixes tell them apart.
        Aad::new("residentsi", "d_number", "r1"),
    ] {
        let e = ring.open(&sealed, &other).unwrap_err();
        assert_eq!(e.code, "seal.open_failed");
        assert_eq!(e.status, 500);
        assert!(!e.message.contains("13812345678"));
    }
}

#[test]
fn tampering_fails() {
    let ring = ring1();
    let sealed = ring.seal("13812345678", &place("r1")).unwrap();
    let (head, body) = sealed.rsplit_once(':').unwrap();
    let blob = B64.decode(body).unwrap();
    for i in 0..blob.len() {
        let mut b = blob.clone();
        b[i] ^= 0x01;
        let t = format!("{head}:{}", B64.encode(&b));
        assert_eq!(
            ring.open(&t, &place("r1")).unwrap_err().code,
            "seal.open_failed",
            "byte {i}"
        );
    }
    // Truncated, empty, garbage, other version.
    for bad in [
        "",
        "v1:k1:",
        "v1:k1:AAAA",
        "v1:k1:not base64!",
        "v2:k1:AAAA",
        "13812345678",
        &sealed[..sealed.len() - 4],
    ] {
        assert_eq!(
            ring.open(bad, &place("r1")).unwrap_err().code,
            "seal.open_failed",
            "{bad:?}"
        );
    }
}

#[test]
fn unknown_key_fails() {
    let ring = ring1();
    let other = KeyRing::from_text(&format!("k9 {K2}")).unwrap();
    let sealed = other.seal("x", &place("r1")).unwrap();
    let e = ring.open(&sealed, &place("r1")).unwrap_err();
    assert_eq!(e.code, "seal.open_failed");
    assert!(e.message.contains("k9"));
    // A key with the right id but other bytes fails too.
    let impostor = KeyRing::from_text(&format!("k1 {K2}")).unwrap();
    let sealed = impostor.seal("x", &place("r1")).unwrap();
    assert_eq!(
        ring.open(&sealed, &place("r1")).unwrap_err().code,
        "seal.open_failed"
    );
}

#[test]
fn fresh_nonce_but_stable_blind_index() {
    let ring = ring1();
    let a = ring.seal("350102199001011234", &place("r1")).unwrap();
    let b = ring.seal("350102199001011234", &place("r1")).unwrap();
    assert_ne!(a, b);
    let i1 = ring.blind_index("id_number", "350102199001011234");
    let i2 = ring.blind_index("id_number", "350102199001011234");
    assert_eq!(i1, i2);
    assert_eq!(i1.len(), 32);
    assert!(i1.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(i1, ring.blind_index("phone", "350102199001011234"));
    assert_ne!(i1, ring.blind_index("id_number", "350102199001011235"));
    // Column/value split is unambiguous.
    assert_ne!(ring.blind_index("ab", "c"), ring.blind_index("a", "bc"));
    // Another ring gives other indexes.
    let other = KeyRing::from_text(&format!("k1 {K2}")).unwrap();
    assert_ne!(i1, other.blind_index("id_number", "350102199001011234"));
}

#[test]
fn rotation() {
    let old = ring1();
    let v1 = old.seal("13812345678", &place("r1")).unwrap();
    assert!(!old.needs_reseal(&v1));

    let new = KeyRing::from_text(&format!("k1 {K1}\nk2 {K2}")).unwrap();
    assert_eq!(new.active_key_id(), "k2");
    assert_eq!(new.key_ids().collect::<Vec<_>>(), ["k1", "k2"]);
    assert_eq!(new.open(&v1, &place("r1")).unwrap(), "13812345678");
    assert!(new.needs_reseal(&v1));
    let v2 = new.seal("13812345678", &place("r1")).unwrap();
    assert!(v2.starts_with("v1:k2:"));
    assert_eq!(sealed_key_id(&v2), Some("k2"));
    assert!(!new.needs_reseal(&v2));
    assert!(new.needs_reseal("garbage"));
    // The blind index survives rotation.
    assert_eq!(
        old.blind_index("phone", "13812345678"),
        new.blind_index("phone", "13812345678")
    );

    // An explicit `active` line overrides "last listed".
    let pinned = KeyRing::from_text(&format!("k1 {K1}; k2 {K2}; active k1")).unwrap();
    assert_eq!(pinned.active_key_id(), "k1");
    assert!(
        pinned
            .seal("x", &place("r1"))
            .unwrap()
            .starts_with("v1:k1:")
    );
    assert!(!pinned.needs_reseal(&v1));
}

#[test]
fn index_line() {
    let with_index =
        KeyRing::from_text(&format!("# comment\nindex {K2}\nk1 {K1}  # trailing\n")).unwrap();
    let without = ring1();
    assert_eq!(with_index.active_key_id(), "k1");
    assert_ne!(
        with_index.blind_index("phone", "1"),
        without.blind_index("phone", "1")
    );
    // With an index line the first key may go away without changing the index.
    let later = KeyRing::from_text(&format!("index {K2}\nk2 {K1}")).unwrap();
    assert_eq!(
        with_index.blind_index("phone", "1"),
        later.blind_index("phone", "1")
    );
}

#[test]
fn from_text_errors() {
    let cases = [
        ("".to_string(), "no keys"),
        ("# only a comment\n\n".to_string(), "no keys"),
        (format!("k1 {}", &K1[..63]), "line 1: key k1 must be 64 hex"),
        (format!("k1 {K1}0"), "found 65"),
        (format!("k1 {}zz", &K1[..62]), "line 1: key k1 contains"),
        (
            format!("k1 {K1}\nk1 {K2}"),
            "line 2: key id k1 is listed twice",
        ),
        (
            format!("k1 {K1}\nk2 {K1}"),
            "line 2: key k2 is the same key as k1",
        ),
        (
            format!("k1 {K1}\nactive k3"),
            "line 2: the active key \"k3\"",
        ),
        (format!("k1 {K1}\nactive k1\nactive k1"), "line 3: a second"),
        (format!("k:1 {K1}"), "line 1: \"k:1\" is not a key id"),
        (format!("\n\nk1 {K1} extra"), "line 3: expected"),
        ("k1".to_string(), "line 1: expected"),
        (
            format!("index 00\nk1 {K1}"),
            "line 1: the index key must be 64 hex",
        ),
    ];
    for (text, want) in cases {
        let e = KeyRing::from_text(&text).unwrap_err();
        assert_eq!(e.code, "seal.keys_invalid", "{text:?}");
        assert!(e.message.contains(want), "{text:?}: {}", e.message);
        assert!(!e.message.contains(&K1[..20]), "leaks key: {}", e.message);
        assert!(!e.message.contains(&K2[..20]), "leaks key: {}", e.message);
    }
    // Debug output shows no key material.
    let dbg = format!("{:?}", ring1());
    assert!(dbg.contains("k1") && !dbg.contains(&K1[..8]), "{dbg}");
}

#[test]
fn load_precedence() {
    let path = temp_path("keys.txt");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("k1 {K1}\n")).unwrap();
    let from_file = KeyRing::load(Some(&path), None).unwrap();
    let from_env = KeyRing::load(Some(&path), Some(format!("k7 {K2};"))).unwrap();
    assert_eq!(from_file.active_key_id(), "k1");
    assert_eq!(from_env.active_key_id(), "k7");
    // A blank env value does not count.
    let blank = KeyRing::load(Some(&path), Some("  \n".into())).unwrap();
    assert_eq!(blank.active_key_id(), "k1");
    // The env ring's errors name the variable.
    let e = KeyRing::load(Some(&path), Some("k1 00".into())).unwrap_err();
    assert!(
        e.message.starts_with("WANGGE_KEYS: line 1"),
        "{}",
        e.message
    );

    let missing = path.with_file_name("absent.txt");
    assert_eq!(
        KeyRing::load(Some(&missing), None).unwrap_err().code,
        "seal.keys_missing"
    );
    assert_eq!(
        KeyRing::load(None, None).unwrap_err().code,
        "seal.keys_missing"
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn load_or_create() {
    let path = temp_path("sub/keys.txt");
    // With the env value set, no file is created.
    let env_ring = KeyRing::load_or_create(&path, Some(format!("k1 {K1}"))).unwrap();
    assert_eq!(env_ring.active_key_id(), "k1");
    assert!(!path.exists());

    let created = KeyRing::load_or_create(&path, None).unwrap();
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let loaded = KeyRing::load(Some(&path), None).unwrap();
    let again = KeyRing::load_or_create(&path, None).unwrap();
    let sealed = created.seal("13812345678", &place("r1")).unwrap();
    for ring in [&loaded, &again] {
        assert_eq!(ring.active_key_id(), "k1");
        assert_eq!(ring.open(&sealed, &place("r1")).unwrap(), "13812345678");
        assert_eq!(
            ring.blind_index("phone", "13812345678"),
            created.blind_index("phone", "13812345678")
        );
    }
    // Never overwrites.
    assert_eq!(
        KeyRing::generate_file(&path).unwrap_err().code,
        "seal.keys_exist"
    );
    // Two generated rings differ.
    let other = KeyRing::generate_file(&path.with_file_name("other.txt")).unwrap();
    assert!(other.open(&sealed, &place("r1")).is_err());
    std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
}

const S3: &str = "0123456789abcdeffedcba9876543210";

#[test]
fn sm4_gcm_known_answer() {
    // RFC 8998, appendix A.1 (SM4-GCM).
    let key = hex::decode(S3).unwrap();
    let c = Cipher::new(CipherKind::Sm4Gcm, &key).unwrap();
    let nonce: [u8; NONCE_LEN] = hex::decode("00001234567800000000ABCD")
        .unwrap()
        .try_into()
        .unwrap();
    let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
    let plain = hex::decode(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
         EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    )
    .unwrap();
    let out = c
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: &aad,
            },
        )
        .unwrap();
    assert_eq!(
        hex::encode_upper(&out),
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
         D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
         83DE3541E4C2B58177E065A9BF7B62EC"
    );
}

#[test]
fn sm4_keys() {
    let ring = KeyRing::from_text(&format!("k1 {K1}\nk3 sm4 {S3}")).unwrap();
    assert_eq!(ring.active_key_id(), "k3");
    assert_eq!(ring.cipher_of("k3"), Some(CipherKind::Sm4Gcm));
    assert_eq!(ring.cipher_of("k1"), Some(CipherKind::Aes256Gcm));
    let sealed = ring.seal("350102199001011234", &place("r1")).unwrap();
    assert!(sealed.starts_with("v1:k3:"));
    assert_eq!(
        ring.open(&sealed, &place("r1")).unwrap(),
        "350102199001011234"
    );
    assert_eq!(
        ring.open(&sealed, &place("r2")).unwrap_err().code,
        "seal.open_failed"
    );
    // The key id picks the cipher: an AES value in the same ring still opens.
    let aes = ring1().seal("x", &place("r1")).unwrap();
    assert_eq!(ring.open(&aes, &place("r1")).unwrap(), "x");
    // An AES key with the SM4 key's id does not open it.
    let impostor = KeyRing::from_text(&format!("k3 {K2}")).unwrap();
    assert!(impostor.open(&sealed, &place("r1")).is_err());
    // Explicit `aes`, wrong lengths, unknown ciphers.
    assert!(KeyRing::from_text(&format!("k1 aes {K1}")).is_ok());
    for (text, want) in [
        (
            format!("k3 sm4 {K1}"),
            "line 1: key k3 must be 32 hex characters (16 bytes)",
        ),
        (format!("k1 aes {S3}"), "line 1: key k1 must be 64 hex"),
        (format!("k1 des {S3}"), "line 1: expected"),
    ] {
        let e = KeyRing::from_text(&text).unwrap_err();
        assert!(e.message.contains(want), "{text}: {}", e.message);
        assert!(!e.message.contains(&S3[..16]));
    }
}

#[test]
fn masks() {
    assert_eq!(mask_phone("13812345678"), "138****5678");
    assert_eq!(mask_phone("0591-87654321"), "059******4321");
    assert_eq!(mask_phone("5551234"), "*****34");
    assert_eq!(mask_phone("1234"), "****");
    assert_eq!(mask_phone(""), "");
    assert_eq!(mask_phone("１３８１２３４５６７８"), "１３８****５６７８");

    assert_eq!(mask_id("350102199001011234"), "35***************4");
    assert_eq!(mask_id("35010219900101X"), "35************X");
    assert_eq!(mask_id("E12345678"), "E********");
    assert_eq!(mask_id("12345"), "*****");
    assert_eq!(mask_id(""), "");

    assert_eq!(mask_name("张三丰"), "张**");
    assert_eq!(mask_name("张三"), "张*");
    assert_eq!(mask_name("张"), "*");
    assert_eq!(mask_name(""), "");
    assert_eq!(mask_name("阿依古丽·买买提"), "阿*******");
    assert_eq!(mask_name("Li Lei"), "L*****");
    assert_eq!(mask_name("👩‍🌾"), "👩**");
}
