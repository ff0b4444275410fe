//! Where a health record came from: the app, a paper form entered at the clinic, or the
//! national hub (PMH). Each fee claim line carries it, so paper and digital are reported
//! together with the split.

/// Where a health record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordSource {
    /// A 予診票 (or 問診票) submitted in the app.
    App,
    /// A paper form, entered by the clinic.
    Paper,
    /// Registered in the national hub (PMH) and imported from it.
    Hub,
}

impl RecordSource {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Paper => "paper",
            Self::Hub => "hub",
        }
    }

    /// The source of a stored text (`app` for anything unknown).
    pub fn parse(text: &str) -> Self {
        match text {
            "paper" => Self::Paper,
            "hub" => Self::Hub,
            _ => Self::App,
        }
    }
}
