//! The descriptive fields of a resource: checking them and writing them onto a row.

use entity::childcare_resource::{self, ResourceKind};
use sea_orm::ActiveValue::Set;

use crate::{
    error::{FieldError, FieldErrorCode, Problems},
    text::{self, Kana, long_text, optional_line},
};

use super::{MAX_AGE_MONTHS, MAX_LINE, MAX_NOTE};

/// Longest city name.
const MAX_CITY: usize = 100;
/// Longest description.
const MAX_TEXT: usize = 5000;

/// The descriptive fields of a resource, as given.
#[derive(Debug, Clone)]
pub struct ResourceFields {
    /// Kind of resource.
    pub kind: ResourceKind,
    /// Name.
    pub name: String,
    /// Kana reading of the name.
    pub name_kana: String,
    /// Description.
    pub description: String,
    /// Postal code `NNN-NNNN`.
    pub postal_code: String,
    /// JIS X 0401 prefecture code.
    pub prefecture_code: i32,
    /// City, ward, town.
    pub city: String,
    /// Street and building.
    pub street: String,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// Phone number.
    pub phone: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Fee, as residents read it.
    pub fee: Option<String>,
    /// Open to expectant parents.
    pub expectant_parents: bool,
    /// Youngest child age accepted in months.
    pub child_min_age_months: Option<i32>,
    /// Oldest child age accepted in months.
    pub child_max_age_months: Option<i32>,
    /// Only residents of the municipality.
    pub residents_only: bool,
    /// Languages spoken (codes like `ja`, `en`, `pt-BR`).
    pub languages: Vec<String>,
    /// Accessibility notes.
    pub accessibility: Option<String>,
}

impl From<&childcare_resource::Model> for ResourceFields {
    fn from(model: &childcare_resource::Model) -> Self {
        Self {
            kind: model.kind,
            name: model.name.clone(),
            name_kana: model.name_kana.clone(),
            description: model.description.clone(),
            postal_code: model.postal_code.clone(),
            prefecture_code: i32::from(model.prefecture_code),
            city: model.city.clone(),
            street: model.street.clone(),
            latitude: model.latitude,
            longitude: model.longitude,
            phone: model.phone.clone(),
            url: model.url.clone(),
            fee: model.fee.clone(),
            expectant_parents: model.expectant_parents,
            child_min_age_months: model.child_min_age_months,
            child_max_age_months: model.child_max_age_months,
            residents_only: model.residents_only,
            languages: decode_languages(&model.languages),
            accessibility: model.accessibility.clone(),
        }
    }
}

/// Fields that passed the checks, as stored.
pub(super) struct Checked {
    pub(super) kind: ResourceKind,
    pub(super) name: String,
    pub(super) name_kana: String,
    pub(super) description: String,
    pub(super) postal_code: String,
    pub(super) prefecture_code: i16,
    pub(super) city: String,
    pub(super) street: String,
    pub(super) latitude: Option<f64>,
    pub(super) longitude: Option<f64>,
    pub(super) phone: Option<String>,
    pub(super) url: Option<String>,
    pub(super) fee: Option<String>,
    pub(super) expectant_parents: bool,
    pub(super) child_min_age_months: Option<i32>,
    pub(super) child_max_age_months: Option<i32>,
    pub(super) residents_only: bool,
    pub(super) languages: String,
    pub(super) accessibility: Option<String>,
}

pub(super) fn check_fields(fields: &ResourceFields) -> Result<Checked, Vec<FieldError>> {
    let mut problems = Problems::new();
    let name = problems.check(text::required("name", &fields.name, MAX_LINE));
    let name_kana = problems.check(Kana::parse("nameKana", &fields.name_kana, MAX_LINE));
    let description = problems.check(long_text("description", &fields.description, MAX_TEXT));
    let postal_code = problems.check(postal_code("address.postalCode", &fields.postal_code));
    let prefecture_code = i16::try_from(fields.prefecture_code)
        .ok()
        .filter(|code| crate::japan::prefecture(*code).is_some());
    if prefecture_code.is_none() {
        problems.push(FieldError::input(
            "address.prefectureCode",
            FieldErrorCode::Invalid,
            "都道府県コード（JIS X 0401、1〜47）を指定してください。",
        ));
    }
    let city = problems.check(text::required("address.city", &fields.city, MAX_CITY));
    let street = problems.check(text::required("address.street", &fields.street, MAX_LINE));
    match (fields.latitude, fields.longitude) {
        (Some(latitude), Some(longitude)) => {
            if !(-90.0..=90.0).contains(&latitude) || latitude.is_nan() {
                problems.push(FieldError::input(
                    "location.latitude",
                    FieldErrorCode::Invalid,
                    "緯度は-90〜90の範囲で入力してください。",
                ));
            }
            if !(-180.0..=180.0).contains(&longitude) || longitude.is_nan() {
                problems.push(FieldError::input(
                    "location.longitude",
                    FieldErrorCode::Invalid,
                    "経度は-180〜180の範囲で入力してください。",
                ));
            }
        }
        (None, None) => {}
        _ => problems.push(FieldError::input(
            "location.latitude",
            FieldErrorCode::Required,
            "緯度と経度は両方入力してください。",
        )),
    }
    let phone = match fields.phone.as_deref().map(text::normalize) {
        Some(value) if !value.is_empty() => problems.check(text::phone("phone", &value)).map(Some),
        _ => Some(None),
    };
    let url = match problems.check(optional_line("url", fields.url.as_deref(), 500)) {
        Some(Some(url)) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            problems.push(FieldError::input(
                "url",
                FieldErrorCode::Invalid,
                "URLは http:// または https:// で始めてください。",
            ));
            None
        }
        other => other,
    };
    let fee = problems.check(optional_line("fee", fields.fee.as_deref(), MAX_LINE));
    let (min, max) = (fields.child_min_age_months, fields.child_max_age_months);
    let in_range = |age: Option<i32>| age.is_none_or(|a| (0..=MAX_AGE_MONTHS).contains(&a));
    if !in_range(min) || !in_range(max) || matches!((min, max), (Some(a), Some(b)) if a > b) {
        problems.push(FieldError::input(
            "childAgeRange",
            FieldErrorCode::Invalid,
            format!("対象月齢は0〜{MAX_AGE_MONTHS}か月で、下限は上限以下にしてください。"),
        ));
    }
    let languages = problems.check(languages("languages", &fields.languages));
    let accessibility = match fields.accessibility.as_deref().map(text::normalize) {
        Some(value) if !value.is_empty() => problems
            .check(long_text("accessibility", &value, MAX_NOTE))
            .map(Some),
        _ => Some(None),
    };
    problems.finish()?;
    let missing = || {
        vec![FieldError::whole(
            FieldErrorCode::Invalid,
            "入力を確認してください。",
        )]
    };
    Ok(Checked {
        kind: fields.kind,
        name: name.ok_or_else(missing)?,
        name_kana: name_kana.ok_or_else(missing)?.as_str().to_owned(),
        description: description.ok_or_else(missing)?,
        postal_code: postal_code.ok_or_else(missing)?,
        prefecture_code: prefecture_code.ok_or_else(missing)?,
        city: city.ok_or_else(missing)?,
        street: street.ok_or_else(missing)?,
        latitude: fields.latitude,
        longitude: fields.longitude,
        phone: phone.ok_or_else(missing)?,
        url: url.ok_or_else(missing)?,
        fee: fee.ok_or_else(missing)?,
        expectant_parents: fields.expectant_parents,
        child_min_age_months: min,
        child_max_age_months: max,
        residents_only: fields.residents_only,
        languages: languages.ok_or_else(missing)?,
        accessibility: accessibility.ok_or_else(missing)?,
    })
}

/// A postal code `NNN-NNNN` (full-width digits and hyphen-like characters accepted).
pub fn postal_code(field: &str, value: &str) -> Result<String, FieldError> {
    let normalized = text::normalize(value)
        .trim_start_matches('〒')
        .replace(['ー', '−', '‐', '―'], "-");
    let bytes = normalized.as_bytes();
    let valid = bytes.len() == 8
        && bytes[3] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 3 || b.is_ascii_digit());
    if valid {
        Ok(normalized)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::Invalid,
            "郵便番号は「371-8601」の形式で入力してください。",
        ))
    }
}

fn languages(field: &str, values: &[String]) -> Result<String, FieldError> {
    let mut codes: Vec<String> = Vec::new();
    for value in values {
        let code = text::normalize(value);
        let (language, region) = match code.split_once('-') {
            Some((language, region)) => (language, Some(region)),
            None => (code.as_str(), None),
        };
        let valid = (2..=3).contains(&language.len())
            && language.chars().all(|c| c.is_ascii_lowercase())
            && region.is_none_or(|r| {
                (2..=4).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !valid {
            return Err(FieldError::input(
                field,
                FieldErrorCode::Invalid,
                "言語は「ja」「en」「pt-BR」のような言語コードで指定してください。",
            ));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() > 10 {
        return Err(FieldError::input(
            field,
            FieldErrorCode::TooLong,
            "言語は10件まで指定できます。",
        ));
    }
    Ok(if codes.is_empty() {
        String::new()
    } else {
        format!(",{},", codes.join(","))
    })
}

/// The language codes of a stored `,ja,en,` column.
pub fn decode_languages(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn apply(model: &mut childcare_resource::ActiveModel, checked: Checked) {
    model.kind = Set(checked.kind);
    model.name = Set(checked.name);
    model.name_kana = Set(checked.name_kana);
    model.description = Set(checked.description);
    model.postal_code = Set(checked.postal_code);
    model.prefecture_code = Set(checked.prefecture_code);
    model.city = Set(checked.city);
    model.street = Set(checked.street);
    model.latitude = Set(checked.latitude);
    model.longitude = Set(checked.longitude);
    model.phone = Set(checked.phone);
    model.url = Set(checked.url);
    model.fee = Set(checked.fee);
    model.expectant_parents = Set(checked.expectant_parents);
    model.child_min_age_months = Set(checked.child_min_age_months);
    model.child_max_age_months = Set(checked.child_max_age_months);
    model.residents_only = Set(checked.residents_only);
    model.languages = Set(checked.languages);
    model.accessibility = Set(checked.accessibility);
}
