//! Where a health record came from: entered in the app, copied from paper, or received
//! from the national Public Medical Hub. Every report counts the sources together (one
//! record per subject), with the split beside it.

pub use entity::health_record_source::RecordSource;

crate::enum_mirror! {
    /// Where a health record came from. Reports count every source together, with the split.
    HealthRecordSource = entity::health_record_source::RecordSource {
        /// Entered in the app by the clinic.
        App,
        /// Copied from a paper form (by the clinic or the municipality's health staff).
        Paper,
        /// Received from the national Public Medical Hub (PMH).
        Hub,
    }
}
