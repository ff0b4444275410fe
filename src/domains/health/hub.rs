//! The seam to the national Public Medical Hub (PMH). The Digital Agency publishes its
//! municipal registration APIs as OpenAPI/JSON with bearer authentication (upsert or
//! delete keyed on a resident, `modificationSeg` 1/2); no 予防接種 payload has been
//! published, so this trait speaks in the terms tsunagu needs and a real adapter maps
//! them. It is not FHIR. [`InMemoryHub`] keeps everything in memory, for tests and the
//! demo; nothing here makes a network call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use uuid::Uuid;

/// A resident eligible for the municipality's vaccinations and checkups, as registered
/// with the hub (基本5情報 without the address; the 自治体別本人キー is the child's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubResident {
    /// The municipality's own key of the person (`municipalityIdentityKey`, ≤100 chars).
    pub identity_key: String,
    /// Name.
    pub name: String,
    /// Reading (katakana).
    pub name_kana: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// `1` male, `2` female, `9` not stated.
    pub sex: String,
    /// Whether the person's data must not be disclosed (DV support measure).
    pub not_disclosed: bool,
}

/// Why the resident is removed (`modificationSeg` 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovalReason {
    /// Moved out of the municipality.
    MovedOut,
    /// Died.
    Died,
    /// Registered in error.
    Error,
}

/// What a record in the hub says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HubOutcome {
    /// The dose was given.
    Given,
    /// 予診のみ: the vaccination was deferred.
    Deferred,
}

/// A vaccination record held by the hub.
#[derive(Clone, Debug, PartialEq)]
pub struct HubRecord {
    /// The hub's key of the record.
    pub hub_reference: String,
    /// The resident's key.
    pub identity_key: String,
    /// tsunagu's record id, when tsunagu pushed it.
    pub local_reference: Option<Uuid>,
    /// The clinic, as the municipality knows it (a real adapter maps the 医療機関コード).
    pub clinic_id: Option<Uuid>,
    /// The vaccine product code.
    pub product_code: String,
    /// The day of the vaccination (or deferral).
    pub given_on: NaiveDate,
    /// Given or deferred.
    pub outcome: HubOutcome,
    /// Lot number.
    pub lot_number: Option<String>,
    /// Whether the clinic registered it there, which completes its fee claim.
    pub claimed: bool,
}

/// A 予診票 submitted to the hub in advance (マイナポータル).
#[derive(Clone, Debug, PartialEq)]
pub struct HubForm {
    /// The hub's key of the form.
    pub hub_reference: String,
    /// The resident's key.
    pub identity_key: String,
    /// The vaccine product code.
    pub product_code: String,
    /// The planned day.
    pub planned_on: NaiveDate,
    /// Answers by question code.
    pub answers: serde_json::Value,
}

/// Why the hub refused.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The resident is not registered.
    #[error("the resident is not registered with the hub")]
    UnknownResident,
    /// The hub could not be reached or failed.
    #[error("the hub is unavailable: {0}")]
    Unavailable(String),
}

/// The national hub, for one deployment (each call names the municipality by JIS code).
#[async_trait::async_trait]
pub trait PublicMedicalHub: Send + Sync + std::fmt::Debug {
    /// Registers or updates a resident's eligibility (`modificationSeg` 1).
    async fn upsert_resident(
        &self,
        municipality: &str,
        resident: HubResident,
    ) -> Result<(), HubError>;
    /// Removes a resident (`modificationSeg` 2) as of `on`.
    async fn delete_resident(
        &self,
        municipality: &str,
        identity_key: &str,
        reason: RemovalReason,
        on: NaiveDate,
    ) -> Result<(), HubError>;
    /// The 予診票 submitted for the municipality's residents on or after `since`.
    async fn pull_forms(
        &self,
        municipality: &str,
        since: NaiveDate,
    ) -> Result<Vec<HubForm>, HubError>;
    /// The records of the municipality's residents dated in `[from, until)`.
    async fn pull_records(
        &self,
        municipality: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<HubRecord>, HubError>;
    /// Registers a record tsunagu holds; returns the hub's key of it.
    async fn push_record(&self, municipality: &str, record: HubRecord) -> Result<String, HubError>;
}

#[derive(Debug, Default)]
struct Held {
    residents: HashMap<(String, String), HubResident>,
    records: Vec<(String, HubRecord)>,
    forms: Vec<(String, HubForm)>,
}

/// The hub in memory: what tests and the demo talk to.
#[derive(Debug, Default, Clone)]
pub struct InMemoryHub {
    held: Arc<Mutex<Held>>,
}

impl InMemoryHub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What a clinic's own system does outside tsunagu: registers a record in the hub
    /// (with `claimed`, registering completes its fee claim). Returns the hub's key of it.
    pub fn register_from_clinic(&self, municipality: &str, mut record: HubRecord) -> String {
        let mut held = self.held();
        record.hub_reference = format!("PMH-{}", Uuid::now_v7().simple());
        let reference = record.hub_reference.clone();
        held.records.push((municipality.to_owned(), record));
        reference
    }

    /// What a guardian does in マイナポータル: submits a 予診票 in advance.
    pub fn submit_form(&self, municipality: &str, form: HubForm) {
        self.held().forms.push((municipality.to_owned(), form));
    }

    /// Whether the resident is registered.
    pub fn has_resident(&self, municipality: &str, identity_key: &str) -> bool {
        self.held()
            .residents
            .contains_key(&(municipality.to_owned(), identity_key.to_owned()))
    }
}

#[async_trait::async_trait]
impl PublicMedicalHub for InMemoryHub {
    async fn upsert_resident(
        &self,
        municipality: &str,
        resident: HubResident,
    ) -> Result<(), HubError> {
        self.held().residents.insert(
            (municipality.to_owned(), resident.identity_key.clone()),
            resident,
        );
        Ok(())
    }

    async fn delete_resident(
        &self,
        municipality: &str,
        identity_key: &str,
        _reason: RemovalReason,
        _on: NaiveDate,
    ) -> Result<(), HubError> {
        self.held()
            .residents
            .remove(&(municipality.to_owned(), identity_key.to_owned()))
            .map(|_| ())
            .ok_or(HubError::UnknownResident)
    }

    async fn pull_forms(
        &self,
        municipality: &str,
        since: NaiveDate,
    ) -> Result<Vec<HubForm>, HubError> {
        Ok(self
            .held()
            .forms
            .iter()
            .filter(|(m, form)| m == municipality && form.planned_on >= since)
            .map(|(_, form)| form.clone())
            .collect())
    }

    async fn pull_records(
        &self,
        municipality: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<HubRecord>, HubError> {
        Ok(self
            .held()
            .records
            .iter()
            .filter(|(m, r)| m == municipality && r.given_on >= from && r.given_on < until)
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn push_record(
        &self,
        municipality: &str,
        mut record: HubRecord,
    ) -> Result<String, HubError> {
        let mut held = self.held();
        if !held
            .residents
            .contains_key(&(municipality.to_owned(), record.identity_key.clone()))
        {
            return Err(HubError::UnknownResident);
        }
        if let Some(local) = record.local_reference
            && let Some((_, known)) = held
                .records
                .iter()
                .find(|(m, r)| m == municipality && r.local_reference == Some(local))
        {
            return Ok(known.hub_reference.clone());
        }
        record.hub_reference = format!("PMH-{}", Uuid::now_v7().simple());
        // The municipality registering its own record claims no fee.
        record.claimed = false;
        let reference = record.hub_reference.clone();
        held.records.push((municipality.to_owned(), record));
        Ok(reference)
    }
}

/// The hub a running server talks to, held in the schema's data.
#[derive(Clone, Debug)]
pub struct HealthHub(pub Arc<dyn PublicMedicalHub>);

impl Default for HealthHub {
    /// The in-memory hub: no network call anywhere.
    fn default() -> Self {
        Self(Arc::new(InMemoryHub::new()))
    }
}
