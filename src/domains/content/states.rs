//! The status machine of articles: the one place that says which step may start from which
//! status.

use entity::article::ArticleStatus;

use crate::error::{FieldError, FieldErrorCode};

/// A step of an article's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleStep {
    /// Make it public from its publish time on (a draft, an archived article, or a
    /// published one given a new publish time).
    Publish,
    /// Take it back to draft.
    Unpublish,
    /// Take a published article off the public site but keep it as it is.
    Archive,
}

impl ArticleStep {
    /// Every step.
    pub const ALL: [Self; 3] = [Self::Publish, Self::Unpublish, Self::Archive];

    /// The statuses the step may start from and the status it leads to.
    pub fn edge(self) -> (&'static [ArticleStatus], ArticleStatus) {
        use ArticleStatus::{Archived, Draft, Published};
        match self {
            Self::Publish => (&[Draft, Archived, Published], Published),
            Self::Unpublish => (&[Published, Archived], Draft),
            Self::Archive => (&[Published], Archived),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Publish => "公開",
            Self::Unpublish => "下書きに戻すこと",
            Self::Archive => "アーカイブ",
        }
    }
}

/// The status `step` leads to from `current`, else an `INVALID_STATE` error on `field`.
pub fn check(
    field: &str,
    current: ArticleStatus,
    step: ArticleStep,
) -> Result<ArticleStatus, FieldError> {
    let (from, to) = step.edge();
    if from.contains(&current) {
        Ok(to)
    } else {
        Err(FieldError::input(
            field,
            FieldErrorCode::InvalidState,
            format!(
                "この記事は現在「{}」のため、{}できません。",
                label(current),
                step.label()
            ),
        ))
    }
}

/// Japanese name of a status.
pub fn label(status: ArticleStatus) -> &'static str {
    match status {
        ArticleStatus::Draft => "下書き",
        ArticleStatus::Published => "公開",
        ArticleStatus::Archived => "アーカイブ済み",
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn articles_move_only_along_the_documented_edges() {
        use ArticleStatus::{Archived, Draft, Published};
        let allowed = [
            (ArticleStep::Publish, Draft),
            (ArticleStep::Publish, Archived),
            (ArticleStep::Publish, Published),
            (ArticleStep::Unpublish, Published),
            (ArticleStep::Unpublish, Archived),
            (ArticleStep::Archive, Published),
        ];
        for step in ArticleStep::ALL {
            for current in ArticleStatus::iter() {
                assert_eq!(
                    check("id", current, step).is_ok(),
                    allowed.contains(&(step, current)),
                    "{step:?} from {current:?}"
                );
            }
        }
        assert_eq!(
            check("id", Draft, ArticleStep::Archive)
                .err()
                .map(|e| e.message),
            Some("この記事は現在「下書き」のため、アーカイブできません。".into())
        );
    }
}
