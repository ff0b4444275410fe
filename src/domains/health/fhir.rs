//! One dose record as a JP Core Immunization resource (FHIR R4 JSON,
//! `http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization`): our own export of a
//! record, not a claim to the national hub. The required elements (`status`, `vaccineCode`,
//! `patient`, `occurrence[x]`) are always there; `lotNumber`, `site`, `route`,
//! `doseQuantity` (UCUM mL), `performer` (the administering clinic, function `AP`) and
//! `protocolApplied` (series and dose number) when recorded.
//!
//! The catalogue has no HOT or YJ codes yet (their tables are not bundled), so the vaccine
//! is coded with the catalogue's own product code system and named in `text`; a HOT13
//! coding can be added beside it once the catalogue carries the codes.

use entity::health_vaccination as vaccination;
use serde_json::{Value, json};

use super::catalogue::Product;
use crate::graphql::ids::{NodeKind, encode};

/// The code system of the catalogue's product codes.
pub const PRODUCT_SYSTEM: &str = "urn:tsunagu:health:vaccine-product";
/// JP Core's Immunization profile.
pub const PROFILE: &str = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization";

fn site(code: &str) -> Option<(&'static str, &'static str)> {
    // JAMI 外用部位コード where the record names a side and a limb.
    match code {
        "LEFT_UPPER_ARM" => Some(("74L", "左上腕")),
        "RIGHT_UPPER_ARM" => Some(("74R", "右上腕")),
        "LEFT_THIGH" => Some(("77L", "左大腿")),
        "RIGHT_THIGH" => Some(("77R", "右大腿")),
        _ => None,
    }
}

fn route(code: &str) -> Option<(&'static str, &'static str)> {
    match code {
        "INJECTED" => Some(("SC", "皮下注射")),
        "ORAL" => Some(("PO", "経口")),
        "PERCUTANEOUS" => Some(("TRNSDERM", "経皮")),
        _ => None,
    }
}

/// The record as a JP Core Immunization resource.
pub fn immunization(
    record: &vaccination::Model,
    product: Option<&Product>,
    clinic_name: Option<&str>,
) -> Value {
    let id = encode(NodeKind::Vaccination, record.record_id).0;
    let mut resource = json!({
        "resourceType": "Immunization",
        "id": id,
        "meta": { "profile": [PROFILE] },
        "identifier": [{ "system": "urn:tsunagu:health:vaccination-record", "value": record.record_id.to_string() }],
        "status": "completed",
        "vaccineCode": {
            "coding": [{
                "system": PRODUCT_SYSTEM,
                "code": record.product_code,
                "display": product.map(|p| p.name.clone()).unwrap_or_else(|| record.product_code.clone()),
            }],
            "text": product.map(|p| p.name.clone()).unwrap_or_else(|| record.product_code.clone()),
        },
        "patient": { "reference": format!("Patient/{}", encode(NodeKind::HealthChild, record.child_id).0) },
        "occurrenceDateTime": record.vaccinated_on.to_string(),
        "primarySource": record.clinic_id.is_some(),
        "recorded": record.created_at.to_rfc3339(),
        "fundingSource": {
            "text": if record.funded { "定期接種" } else { "任意接種" }
        },
    });
    let Some(object) = resource.as_object_mut() else {
        return resource;
    };
    if let Some(lot) = &record.lot_number {
        object.insert("lotNumber".into(), json!(lot));
    }
    if let Some(expiry) = record.lot_expiry {
        object.insert("expirationDate".into(), json!(expiry.to_string()));
    }
    if let Some((code, display)) = record.site.as_deref().and_then(site) {
        object.insert(
            "site".into(),
            json!({ "coding": [{ "system": "urn:oid:1.2.392.200250.2.2.20.32", "code": code, "display": display }] }),
        );
    }
    if let Some((code, display)) = record.route.as_deref().and_then(route) {
        object.insert(
            "route".into(),
            json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", "code": code, "display": display }] }),
        );
    }
    if let Some(ml) = record.dose_ml {
        object.insert(
            "doseQuantity".into(),
            json!({ "value": ml, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL" }),
        );
    }
    if record.clinic_id.is_some() {
        let mut actor = json!({ "type": "Organization" });
        if let Some(name) = clinic_name {
            actor["display"] = json!(name);
        }
        object.insert(
            "performer".into(),
            json!([{
                "function": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0443", "code": "AP", "display": "Administering Provider" }] },
                "actor": actor,
            }]),
        );
        if let Some(doctor) = &record.doctor_name {
            object.insert(
                "note".into(),
                json!([{ "text": format!("接種医師: {doctor}") }]),
            );
        }
    }
    if let Some(dose) = record.dose_number {
        let mut applied = json!({ "doseNumberPositiveInt": dose });
        if let Some(series) = &record.series_code {
            applied["series"] = json!(series);
        }
        if let Some(product) = product {
            applied["targetDisease"] = json!([{ "text": product.antigen }]);
        }
        object.insert("protocolApplied".into(), json!([applied]));
    }
    resource
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_clinic_record_has_every_required_element_and_the_recorded_details() {
        let id = Uuid::from_u128(7);
        let record = vaccination::Model {
            id,
            municipality_id: Uuid::from_u128(1),
            child_id: Uuid::from_u128(2),
            product_code: "PCV15".into(),
            vaccinated_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            source: vaccination::VaccinationSource::App,
            recorded_by: Uuid::from_u128(3),
            created_at: Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap(),
            clinic_id: Some(Uuid::from_u128(4)),
            submission_id: None,
            lot_number: Some("A123".into()),
            lot_expiry: NaiveDate::from_ymd_opt(2027, 6, 30),
            dose_ml: Some(0.5),
            site: Some("LEFT_UPPER_ARM".into()),
            route: Some("INJECTED".into()),
            doctor_name: Some("小倉 医師".into()),
            dose_number: Some(2),
            series_code: Some("PCV_START_2_7".into()),
            funded: true,
            overrides: "[]".into(),
            record_id: id,
            version: 1,
            superseded_at: None,
            correction_reason: None,
        };
        let resource = immunization(&record, None, Some("小倉こどもクリニック"));
        assert_eq!(resource["resourceType"], "Immunization");
        assert_eq!(resource["status"], "completed");
        assert_eq!(resource["vaccineCode"]["coding"][0]["code"], "PCV15");
        assert!(
            resource["patient"]["reference"]
                .as_str()
                .unwrap()
                .starts_with("Patient/")
        );
        assert_eq!(resource["occurrenceDateTime"], "2026-12-01");
        assert_eq!(resource["lotNumber"], "A123");
        assert_eq!(resource["site"]["coding"][0]["code"], "74L");
        assert_eq!(resource["doseQuantity"]["code"], "mL");
        assert_eq!(
            resource["performer"][0]["function"]["coding"][0]["code"],
            "AP"
        );
        assert_eq!(
            resource["performer"][0]["actor"]["display"],
            "小倉こどもクリニック"
        );
        assert_eq!(resource["protocolApplied"][0]["doseNumberPositiveInt"], 2);
    }
}
