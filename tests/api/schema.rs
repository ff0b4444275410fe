//! The schema as a contract: `schema.graphql` matches the code, and everything in it is
//! documented for the teams that read it.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let code = tsunagu::app::schema::sdl();
    if committed == code {
        return;
    }
    let first_difference = committed
        .lines()
        .zip(code.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(code.lines().count()));
    panic!(
        "schema.graphql differs from the schema the code builds, first at line {}:\n  committed: {:?}\n  code:      {:?}\n\
         If the change is deliberate, run `cargo run -- export-schema --out schema.graphql` and commit the file.",
        first_difference + 1,
        committed
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
        code.lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
    );
}

/// Every named item with its description; shallow enough for the default depth limit.
const DESCRIPTIONS: &str = "{
    __schema {
        types {
            name
            description
            fields(includeDeprecated: true) { name description args { name description } }
            inputFields { name description }
            enumValues(includeDeprecated: true) { name description }
        }
    }
}";

/// The scalars every GraphQL schema has, described by the specification itself.
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

fn undocumented(item: &Value) -> bool {
    item["description"]
        .as_str()
        .is_none_or(|text| text.trim().is_empty())
}

fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value[key].as_array().into_iter().flatten()
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_documented() {
    let app = spawn_app().await;
    let body = app.graphql(None, DESCRIPTIONS, json!({})).await;
    let types = body["data"]["__schema"]["types"]
        .as_array()
        .unwrap_or_else(|| panic!("introspection failed: {body}"));
    let mut missing = Vec::new();
    for ty in types {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") {
            continue;
        }
        // async-graphql ships `ID` without a description; the spec defines the built-ins.
        if undocumented(ty) && !BUILT_IN_SCALARS.contains(&name) {
            missing.push(format!("type {name}"));
        }
        for field in items(ty, "fields") {
            let field_name = field["name"].as_str().unwrap_or_default();
            if undocumented(field) {
                missing.push(format!("field {name}.{field_name}"));
            }
            for argument in items(field, "args").filter(|a| undocumented(a)) {
                missing.push(format!(
                    "argument {name}.{field_name}({})",
                    argument["name"].as_str().unwrap_or_default()
                ));
            }
        }
        for input_field in items(ty, "inputFields").filter(|f| undocumented(f)) {
            missing.push(format!(
                "input field {name}.{}",
                input_field["name"].as_str().unwrap_or_default()
            ));
        }
        for value in items(ty, "enumValues").filter(|v| undocumented(v)) {
            missing.push(format!(
                "enum value {name}.{}",
                value["name"].as_str().unwrap_or_default()
            ));
        }
    }
    assert!(
        types.len() > 10,
        "introspection returned too few types: {body}"
    );
    assert!(
        missing.is_empty(),
        "{} schema items have no description (add a `///` doc comment or `desc`):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[tokio::test]
async fn calendar_dates_are_the_date_scalar_and_instants_are_described_without_rust_words() {
    let sdl = tsunagu::app::schema::sdl();
    assert!(sdl.contains("\nscalar Date\n"), "no `scalar Date`");
    assert!(
        !sdl.contains("NaiveDate"),
        "chrono's NaiveDate is still in the schema"
    );
    let described = |name: &str| {
        let end = sdl.find(&format!("\nscalar {name}\n")).unwrap_or(0);
        sdl[..end].rsplit("\"\"\"").nth(1).unwrap_or("").to_owned()
    };
    assert!(
        described("Date").contains("YYYY-MM-DD"),
        "{}",
        described("Date")
    );
    let date_time = described("DateTime");
    assert!(date_time.contains("RFC 3339"), "{date_time}");
    assert!(!date_time.contains("Utc>"), "{date_time}");
}

#[tokio::test]
async fn former_names_are_marked_deprecated_in_the_schema() {
    let sdl = tsunagu::app::schema::sdl();
    let lines: Vec<&str> = sdl.lines().map(str::trim).collect();
    let deprecated = |field: &str, reason: &str| {
        let wanted = format!("@deprecated(reason: \"{reason}\")");
        let found = lines
            .iter()
            .filter(|line| line.starts_with(&format!("{field}:")))
            .count();
        let marked = lines
            .iter()
            .filter(|line| line.starts_with(&format!("{field}:")) && line.ends_with(&wanted))
            .count();
        (found, marked)
    };
    for (field, reason, times) in [
        ("kind", "Use kinds", 4),
        ("category", "Use categories", 3),
        ("audience", "Use audiences", 2),
        ("status", "Use statuses", 6),
        ("supportTrack", "Use supportTracks", 1),
        ("dueState", "Use dueStates", 1),
        ("hasFreeSeats", "Use hasFreePlaces", 2),
        ("satisfiedShare", "Use satisfiedPercent", 2),
        ("rate", "Use ratePercent", 2),
        ("municipalityCode", "Use municipality { jisCode }", 1),
    ] {
        let (_, marked) = deprecated(field, reason);
        assert_eq!(marked, times, "{field}");
    }
    for new in [
        "kinds:",
        "categories:",
        "audiences:",
        "statuses:",
        "supportTracks:",
        "dueStates:",
        "hasFreePlaces:",
        "satisfiedPercent:",
        "ratePercent:",
        "municipality: Municipality",
    ] {
        assert!(lines.iter().any(|line| line.starts_with(new)), "{new}");
    }
}

/// The fields a list answers from cards (a few columns of each row) are fields of their
/// types: a misspelt name would quietly make every such list read whole rows.
#[test]
fn the_fields_answered_from_cards_are_fields_of_the_schema() {
    use tsunagu::domains::programs::types::{Program, ProgramSession};
    let sdl = tsunagu::app::schema::sdl();
    for (type_name, card_fields) in [
        ("Program", Program::CARD_FIELDS),
        ("ProgramSession", ProgramSession::CARD_FIELDS),
    ] {
        let opening = format!("\ntype {type_name} ");
        let start = sdl.find(&opening).expect("the type is in the schema");
        let body = &sdl[start + 1..];
        let body = &body[..body.find("\n}").expect("the type ends")];
        let fields: Vec<&str> = body
            .lines()
            .filter_map(|line| line.strip_prefix('\t'))
            .filter_map(|line| {
                let (name, _) = line.split_once([':', '('])?;
                name.chars().all(char::is_alphanumeric).then_some(name)
            })
            .collect();
        for field in card_fields {
            assert!(fields.contains(field), "{type_name}.{field} in {fields:?}");
        }
    }
}
