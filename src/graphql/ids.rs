//! Opaque global ids (Relay): `base64url("Type:uuid")`. Clients must not parse them.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The global id of the `type_name` object with primary key `id`.
pub fn encode(type_name: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global id into its type name and primary key.
pub fn decode(id: &ID) -> AppResult<(String, Uuid)> {
    let malformed = || AppError::BadUserInput(format!("`{}` is not a valid id", id.as_str()));
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_bytes())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (type_name, uuid) = text.split_once(':').ok_or_else(malformed)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| malformed())?;
    Ok((type_name.to_owned(), uuid))
}

/// The primary key of a global id that must name a `type_name` object.
pub fn decode_as(id: &ID, type_name: &str) -> AppResult<Uuid> {
    let (found, uuid) = decode(id)?;
    if found == type_name {
        Ok(uuid)
    } else {
        Err(AppError::BadUserInput(format!(
            "`{}` is not the id of a {type_name}",
            id.as_str()
        )))
    }
}

/// The primary key of an optional global id that must name a `type_name` object.
pub fn decode_optional(id: Option<&ID>, type_name: &str) -> AppResult<Option<Uuid>> {
    id.map(|id| decode_as(id, type_name)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let uuid = Uuid::now_v7();
        let id = encode("User", uuid);
        assert_eq!(decode_as(&id, "User").ok(), Some(uuid));
        assert!(decode_as(&id, "Organization").is_err());
        assert!(decode(&ID("not an id".into())).is_err());
    }
}
