use super::*;

fn auth() -> Auth {
    Auth::new(
        Connection::open_in_memory().unwrap(),
        PinHasher::fast_for_tests(),
        AuthConfig::default(),
    )
    .unwrap()
}

fn customer(phone: &str) -> NewUser {
    NewUser {
        phone: phone.into(),
        display_name: "Asha Mwinyi".into(),
        role: Role::Customer,
        kyc_tier: 1,
        account_id: Some("acc-1".into()),
    }
}

const T0: i64 = 1_700_000_000_000;

fn active(auth: &Auth, phone: &str, pin: &str) -> User {
    let (_, code) = auth.create_user(&customer(phone), T0).unwrap();
    auth.activate(phone, &code, pin, T0).unwrap()
}

#[test]
fn onboarding_activation_and_login() {
    let auth = auth();
    let (user, code) = auth.create_user(&customer("255712000001"), T0).unwrap();
    assert_eq!(user.status, UserStatus::PendingActivation);
    assert_eq!(code.len(), 8);
    // No PIN yet: login is refused.
    assert!(matches!(
        auth.login("255712000001", "4821", T0),
        Err(Error::BadCredentials)
    ));
    let user = auth.activate("255712000001", &code, "4821", T0).unwrap();
    assert_eq!(user.status, UserStatus::Active);
    // The code is single-use.
    assert!(matches!(
        auth.activate("255712000001", &code, "9071", T0),
        Err(Error::BadCredentials)
    ));
    let (logged, session) = auth.login("255712000001", "4821", T0).unwrap();
    assert_eq!(logged.id, user.id);
    assert_eq!(
        auth.authenticate(&session.token, T0 + 1).unwrap().id,
        user.id
    );
}

#[test]
fn duplicate_phone_is_refused() {
    let auth = auth();
    auth.create_user(&customer("255712000002"), T0).unwrap();
    assert!(matches!(
        auth.create_user(&customer("255712000002"), T0),
        Err(Error::AlreadyExists(_))
    ));
}

#[test]
fn bad_input_is_refused() {
    let auth = auth();
    assert!(matches!(
        auth.create_user(&customer("12ab"), T0),
        Err(Error::InvalidRequest(_))
    ));
    let mut blank = customer("255712000003");
    blank.display_name = "  ".into();
    assert!(matches!(
        auth.create_user(&blank, T0),
        Err(Error::InvalidRequest(_))
    ));
    let (_, code) = auth.create_user(&customer("255712000004"), T0).unwrap();
    assert!(matches!(
        auth.activate("255712000004", &code, "1111", T0),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn expired_activation_code_is_refused() {
    let auth = auth();
    let (_, code) = auth.create_user(&customer("255712000005"), T0).unwrap();
    let late = T0 + AuthConfig::default().activation_ttl_ms + 1;
    assert!(matches!(
        auth.activate("255712000005", &code, "4821", late),
        Err(Error::BadCredentials)
    ));
}

#[test]
fn five_wrong_pins_lock_the_user_even_for_the_right_pin() {
    let auth = auth();
    active(&auth, "255712000006", "4821");
    for _ in 0..MAX_FAILED_ATTEMPTS {
        assert!(matches!(
            auth.login("255712000006", "0007", T0),
            Err(Error::BadCredentials)
        ));
    }
    assert!(matches!(
        auth.login("255712000006", "4821", T0),
        Err(Error::Locked)
    ));
    let after = T0 + AuthConfig::default().lockout_ms + 1;
    assert!(auth.login("255712000006", "4821", after).is_ok());
}

#[test]
fn a_success_resets_the_failure_count() {
    let auth = auth();
    active(&auth, "255712000007", "4821");
    for _ in 0..MAX_FAILED_ATTEMPTS - 1 {
        let _ = auth.login("255712000007", "0007", T0);
    }
    auth.login("255712000007", "4821", T0).unwrap();
    for _ in 0..MAX_FAILED_ATTEMPTS - 1 {
        let _ = auth.login("255712000007", "0007", T0);
    }
    assert!(auth.login("255712000007", "4821", T0).is_ok());
}

#[test]
fn verify_pin_counts_towards_lockout() {
    let auth = auth();
    let user = active(&auth, "255712000008", "4821");
    auth.verify_pin(user.id, "4821", T0).unwrap();
    for _ in 0..MAX_FAILED_ATTEMPTS {
        assert!(auth.verify_pin(user.id, "0007", T0).is_err());
    }
    assert!(matches!(
        auth.verify_pin(user.id, "4821", T0),
        Err(Error::Locked)
    ));
}

#[test]
fn sessions_expire_and_end_at_logout() {
    let auth = auth();
    active(&auth, "255712000009", "4821");
    let (_, s) = auth.login("255712000009", "4821", T0).unwrap();
    assert!(auth.authenticate(&s.token, s.expires_at - 1).is_ok());
    assert!(matches!(
        auth.authenticate(&s.token, s.expires_at),
        Err(Error::Unauthenticated)
    ));
    let (_, s) = auth.login("255712000009", "4821", T0).unwrap();
    auth.logout(&s.token).unwrap();
    assert!(matches!(
        auth.authenticate(&s.token, T0),
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        auth.authenticate("forged", T0),
        Err(Error::Unauthenticated)
    ));
}

#[test]
fn unknown_phone_looks_like_a_wrong_pin() {
    let auth = auth();
    assert!(matches!(
        auth.login("255700000000", "4821", T0),
        Err(Error::BadCredentials)
    ));
}

#[test]
fn state_survives_reopening_the_database_file() {
    let dir = std::env::temp_dir().join(format!("kipochi-auth-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hub.db");
    let token = {
        let auth = Auth::new(
            Connection::open(&path).unwrap(),
            PinHasher::fast_for_tests(),
            AuthConfig::default(),
        )
        .unwrap();
        active(&auth, "255712000010", "4821");
        auth.login("255712000010", "4821", T0).unwrap().1.token
    };
    let auth = Auth::new(
        Connection::open(&path).unwrap(),
        PinHasher::fast_for_tests(),
        AuthConfig::default(),
    )
    .unwrap();
    assert_eq!(auth.authenticate(&token, T0).unwrap().phone, "255712000010");
    std::fs::remove_dir_all(dir).unwrap();
}

fn full_checks(auth: &Auth) -> u32 {
    auth.full_checks.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn a_pin_verified_at_login_is_remembered_for_approvals_until_it_expires() {
    let auth = auth();
    let user = active(&auth, "255712000011", "4821");
    auth.login("255712000011", "4821", T0).unwrap();
    let before = full_checks(&auth);
    for i in 0..3 {
        auth.verify_pin(user.id, "4821", T0 + i).unwrap();
    }
    assert_eq!(full_checks(&auth), before, "remembered: no Argon2 check");
    let later = T0 + AuthConfig::default().pin_memory_ms;
    auth.verify_pin(user.id, "4821", later).unwrap();
    assert_eq!(full_checks(&auth), before + 1, "expired: a full check");
    auth.verify_pin(user.id, "4821", later + 1).unwrap();
    assert_eq!(full_checks(&auth), before + 1, "remembered again");
}

#[test]
fn a_wrong_pin_is_counted_and_the_memory_no_longer_skips_the_check() {
    let auth = auth();
    let user = active(&auth, "255712000012", "4821");
    auth.login("255712000012", "4821", T0).unwrap();
    assert!(matches!(
        auth.verify_pin(user.id, "0007", T0),
        Err(Error::BadCredentials)
    ));
    let before = full_checks(&auth);
    auth.verify_pin(user.id, "4821", T0).unwrap();
    assert_eq!(
        full_checks(&auth),
        before + 1,
        "a failure pending: full check"
    );
    // Lockout is exactly as without the memory: five wrong PINs lock even the right one.
    for _ in 0..MAX_FAILED_ATTEMPTS {
        let _ = auth.verify_pin(user.id, "0007", T0);
    }
    assert!(matches!(
        auth.verify_pin(user.id, "4821", T0),
        Err(Error::Locked)
    ));
}

#[test]
fn a_locked_user_is_refused_before_the_memory_is_consulted() {
    let auth = auth();
    let user = active(&auth, "255712000013", "4821");
    auth.verify_pin(user.id, "4821", T0).unwrap();
    // Locked by wrong logins (another client guessing).
    for _ in 0..MAX_FAILED_ATTEMPTS {
        let _ = auth.login("255712000013", "0007", T0);
    }
    assert!(matches!(
        auth.verify_pin(user.id, "4821", T0 + 1),
        Err(Error::Locked)
    ));
}

#[test]
fn zero_pin_memory_makes_every_check_a_full_one() {
    let auth = Auth::new(
        Connection::open_in_memory().unwrap(),
        PinHasher::fast_for_tests(),
        AuthConfig {
            pin_memory_ms: 0,
            ..AuthConfig::default()
        },
    )
    .unwrap();
    let user = active(&auth, "255712000014", "4821");
    auth.login("255712000014", "4821", T0).unwrap();
    let before = full_checks(&auth);
    auth.verify_pin(user.id, "4821", T0).unwrap();
    auth.verify_pin(user.id, "4821", T0).unwrap();
    assert_eq!(full_checks(&auth), before + 2);
}
