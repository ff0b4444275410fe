//! Text input rules shared by every domain: required and bounded fields, emails, phone
//! numbers and kana readings.
//!
//! What people write (names, titles, descriptions, Markdown) is stored as written, only
//! trimmed: `＃ 見出し` stays text, `①` and `（）` stay as typed. NFKC normalization is for
//! what is matched or compared — emails, phone numbers, postal codes, kana readings — and
//! for search, whose analyzer normalizes on its own.

use unicode_normalization::UnicodeNormalization;

use crate::error::{FieldError, FieldErrorCode};

/// NFKC-normalizes and trims: full-width letters and digits become ASCII, half-width
/// katakana become full-width.
pub fn normalize(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

/// A Japanese phone number: 10 or 11 digits starting with 0, with hyphens allowed;
/// full-width digits and long-vowel marks or dashes typed for hyphens are accepted.
pub fn phone(field: &str, value: &str) -> Result<String, FieldError> {
    let normalized = normalize(value).replace(['ー', '−', '‐', '―'], "-");
    let digits = normalized.chars().filter(char::is_ascii_digit).count();
    let valid = normalized.starts_with('0')
        && (10..=11).contains(&digits)
        && normalized.chars().all(|c| c.is_ascii_digit() || c == '-');
    if valid {
        Ok(normalized)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "電話番号は0から始まる10〜11桁の数字で入力してください。",
        ))
    }
}

/// A required single-line text of at most `max` characters, as written (trimmed).
pub fn required(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Required,
            "入力してください。",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            format!("{max}文字以内で入力してください。"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "改行や制御文字は使えません。",
        ));
    }
    Ok(value)
}

/// An email address, NFKC-normalized and lowercased, so that `Ｔａｒｏ@Example.jp` and
/// `taro@example.jp` are one account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Email(String);

impl Email {
    /// Longest accepted address (RFC 5321).
    pub const MAX_LENGTH: usize = 254;

    /// Parses `value` for the input field `field`.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let normalized = normalize(value).to_lowercase();
        if normalized.is_empty() {
            return Err(FieldError::input(
                field,
                FieldErrorCode::Required,
                "メールアドレスを入力してください。",
            ));
        }
        if normalized.len() > Self::MAX_LENGTH
            || !email_address::EmailAddress::is_valid(&normalized)
            || !normalized.contains('.')
        {
            return Err(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                "メールアドレスの形式が正しくありません。",
            ));
        }
        Ok(Self(normalized))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A kana reading (フリガナ) in full-width katakana. Hiragana input is converted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kana(String);

impl Kana {
    /// Parses `value` for the input field `field`, at most `max` characters.
    pub fn parse(field: &str, value: &str, max: usize) -> Result<Self, FieldError> {
        // A reading is compared and sorted: half-width katakana become full-width first.
        let text = required(field, &normalize(value), max)?;
        let katakana: String = text
            .chars()
            .map(|c| match c {
                // Hiragana ぁ..ゖ map onto katakana ァ..ヶ at a fixed offset.
                'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                'ゝ' => 'ヽ',
                'ゞ' => 'ヾ',
                '　' => ' ',
                other => other,
            })
            .collect();
        let valid = katakana
            .chars()
            .all(|c| matches!(c, 'ァ'..='ヺ' | 'ー' | 'ヽ' | 'ヾ' | '・' | ' '));
        if !valid {
            return Err(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                "フリガナはカタカナかひらがなで入力してください。",
            ));
        }
        Ok(Self(katakana))
    }

    /// The reading in katakana.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A required text of several lines, at most `max` characters: as written and trimmed,
/// line breaks kept (as `\n`), other control characters refused.
pub fn long_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned();
    if value.is_empty() {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Required,
            "入力してください。",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            format!("{max}文字以内で入力してください。"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "使えない制御文字が含まれています。",
        ));
    }
    Ok(value)
}

/// An optional single line of at most `max` characters: blank means absent.
pub fn optional_line(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => required(field, value, max).map(Some),
        None => Ok(None),
    }
}

/// Longest reading of a title: a kanji often reads as two or three kana.
pub const MAX_TITLE_READING: usize = 400;

/// An optional reading of a title (フリガナ): blank means absent; otherwise a [`Kana`] of at
/// most [`MAX_TITLE_READING`] characters (kana, ー, ・ and spaces; hiragana and half-width
/// katakana become full-width katakana).
pub fn optional_reading(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.map(normalize).filter(|v| !v.is_empty()) {
        Some(value) => Kana::parse(field, &value, MAX_TITLE_READING).map(|k| Some(k.0)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_accept_full_width_digits_and_hyphens() {
        assert_eq!(
            phone("p", "０２７－２２４－１１１１"),
            Ok("027-224-1111".into())
        );
        assert_eq!(phone("p", "09012345678"), Ok("09012345678".into()));
        assert!(phone("p", "12345").is_err());
        assert!(phone("p", "027-224-111a").is_err());
    }

    #[test]
    fn emails_are_normalized_before_comparison() {
        let email = Email::parse("email", " Ｔａｒｏ＠Ｅｘａｍｐｌｅ．ｊｐ ").map(|e| e.0);
        assert_eq!(email.as_deref(), Ok("taro@example.jp"));
        assert!(Email::parse("email", "not-an-email").is_err());
        assert!(Email::parse("email", "").is_err());
    }

    #[test]
    fn kana_accepts_hiragana_and_half_width_katakana() {
        assert_eq!(
            Kana::parse("kana", "まえばし　たろう", 50).map(|k| k.0),
            Ok("マエバシ タロウ".to_owned())
        );
        assert_eq!(
            Kana::parse("kana", "ﾏﾅﾂﾞﾙ", 50).map(|k| k.0),
            Ok("マナヅル".to_owned())
        );
        assert!(Kana::parse("kana", "前橋", 50).is_err());
    }

    #[test]
    fn title_readings_are_optional_katakana() {
        assert_eq!(
            optional_reading("r", Some(" しぜんかんさつかい ")),
            Ok(Some("シゼンカンサツカイ".to_owned()))
        );
        assert_eq!(optional_reading("r", Some("　")), Ok(None));
        assert_eq!(optional_reading("r", None), Ok(None));
        assert!(optional_reading("r", Some("自然")).is_err());
        assert!(optional_reading("r", Some(&"ア".repeat(MAX_TITLE_READING + 1))).is_err());
    }

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(
            required("name", "  前橋市役所 ", 10),
            Ok("前橋市役所".into())
        );
        assert!(required("name", "   ", 10).is_err());
        assert!(required("name", "あいうえおかきくけこさ", 10).is_err());
    }
}
