//! Password hashing (argon2id) and strength rules. Hashing is CPU-bound, so it runs on
//! the blocking pool.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

use crate::error::{AppError, AppResult, FieldError, FieldErrorCode};

/// Longest accepted password (argon2 handles more, but nobody types this much).
pub const MAX_LENGTH: usize = 256;

/// Hashes `password` with argon2id and a random salt.
pub async fn hash(password: SecretString) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| AppError::internal(anyhow::anyhow!("hashing password: {error}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// An argon2 hash of a random password, made once per process: verified against when an
/// email is unknown, so that a failed login takes the same time whether or not the account
/// exists.
pub async fn dummy_hash() -> AppResult<String> {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash(SecretString::from(uuid::Uuid::new_v4().to_string())))
        .await
        .cloned()
}

/// Whether `password` matches the stored `hash`. Takes as long for a wrong password as for
/// a right one.
pub async fn verify(password: SecretString, hash: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|error| AppError::internal(anyhow::anyhow!("stored hash invalid: {error}")))?;
        Ok(Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(AppError::internal)?
}

/// Refuses passwords that are short or easy to guess. `context` holds the user's own words
/// (email, names), which make a password weaker.
pub fn check_strength(
    password: &SecretString,
    min_length: usize,
    context: &[&str],
) -> Result<(), FieldError> {
    let password = password.expose_secret();
    let length = password.chars().count();
    if length < min_length {
        return Err(FieldError::input(
            "password",
            FieldErrorCode::TooShort,
            format!("パスワードは{min_length}文字以上にしてください。"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(FieldError::input(
            "password",
            FieldErrorCode::TooLong,
            format!("パスワードは{MAX_LENGTH}文字以内にしてください。"),
        ));
    }
    let mut words = vec!["tsunagu"];
    words.extend_from_slice(context);
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() < zxcvbn::Score::Three {
        return Err(FieldError::input(
            "password",
            FieldErrorCode::WeakPassword,
            "推測されやすいパスワードです。単語の組み合わせや記号を加えて長くしてください。",
        ));
    }
    Ok(())
}
