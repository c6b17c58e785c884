//! A case's `mark` list: marker names and one `hardware_marks` object, checked against the
//! project's markers, platforms and resources.

use serde_json::{Map, Value};

use crate::bench::json_path::{JsonPath, JsonProblem, describe};
use crate::registry::{Level, Marker, MarkerSet, Platform, PlatformRequirement, Resource};

/// What a case's `mark` says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseMarks {
    /// The CI levels named (`full_model`).
    pub levels: Vec<Level>,
    /// The other markers named (`omni`, `slow`, …).
    pub markers: Vec<Marker>,
    /// The hardware requirement, one per platform (or per resource of a platform's list), as
    /// the seed's `hardware_marks(res, num_cards)` derives it.
    pub hardware: Vec<PlatformRequirement>,
}

impl CaseMarks {
    /// Every marker the case carries: levels, named markers and those its hardware implies.
    pub fn marker_set(&self) -> MarkerSet {
        let named = self.levels.iter().map(|&level| Marker::from(level)).chain(self.markers.iter().copied());
        let mut set: MarkerSet = named.collect();
        for requirement in &self.hardware {
            for marker in requirement.derived_markers().iter() {
                set.insert(marker);
            }
        }
        set
    }
}

/// Reads `mark`: marker names, and exactly one `{"hardware_marks": …}` unless `cpu` is named.
pub(super) fn parse_marks(value: &Value, path: &JsonPath) -> Result<CaseMarks, JsonProblem> {
    let Value::Array(items) = value else {
        return Err(JsonProblem::new(path, format!("expected a list of markers, found {}", describe(value))));
    };
    let mut marks = CaseMarks::default();
    let mut hardware_at: Option<JsonPath> = None;
    for (index, item) in items.iter().enumerate() {
        let at = path.index(index);
        match item {
            Value::String(name) => add_marker(&mut marks, name, &at)?,
            Value::Object(fields) if fields.len() == 1 && fields.contains_key("hardware_marks") => {
                if let Some(first) = &hardware_at {
                    return Err(JsonProblem::new(&at, format!("a second hardware_marks (the first is {first})")));
                }
                marks.hardware = hardware_marks(&fields["hardware_marks"], &at.key("hardware_marks"))?;
                hardware_at = Some(at);
            }
            other => {
                let problem =
                    format!("expected a marker name or {{\"hardware_marks\": {{…}}}}, found {}", describe(other));
                return Err(JsonProblem::new(&at, problem));
            }
        }
    }
    if hardware_at.is_none() && !marks.markers.contains(&Marker::Cpu) {
        return Err(JsonProblem::new(path, "needs a {\"hardware_marks\": …} entry, or the `cpu` marker"));
    }
    Ok(marks)
}

fn add_marker(marks: &mut CaseMarks, name: &str, at: &JsonPath) -> Result<(), JsonProblem> {
    let marker = Marker::from_name(name)
        .ok_or_else(|| JsonProblem::new(at, format!("unknown marker `{name}` (valid: {})", Marker::valid_names())))?;
    match name.parse::<Level>() {
        Ok(level) if !marks.levels.contains(&level) => marks.levels.push(level),
        Ok(_) => {}
        Err(_) if !marks.markers.contains(&marker) => marks.markers.push(marker),
        Err(_) => {}
    }
    Ok(())
}

/// `{"res": {"cuda": "H100", "npu": "A3"}, "num_cards": 2 | {"cuda": 2}}`.
fn hardware_marks(value: &Value, path: &JsonPath) -> Result<Vec<PlatformRequirement>, JsonProblem> {
    let Value::Object(fields) = value else {
        return Err(JsonProblem::new(
            path,
            format!("expected {{\"res\": …, \"num_cards\": …}}, found {}", describe(value)),
        ));
    };
    if let Some(unknown) = fields.keys().find(|key| !["res", "num_cards"].contains(&key.as_str())) {
        return Err(JsonProblem::new(&path.key(unknown), format!("unknown key `{unknown}` (expected res, num_cards)")));
    }
    let res_path = path.key("res");
    let resources = match fields.get("res") {
        Some(Value::Object(res)) if !res.is_empty() => platform_resources(res, &res_path)?,
        Some(other) => {
            let problem = format!("expected an object such as {{\"cuda\": \"H100\"}}, found {}", describe(other));
            return Err(JsonProblem::new(&res_path, problem));
        }
        None => return Err(JsonProblem::new(path, "missing `res`")),
    };
    let cards_path = path.key("num_cards");
    let cards_of = |platform: Platform| -> Result<u32, JsonProblem> {
        match fields.get("num_cards") {
            None => Ok(1),
            Some(Value::Object(per_platform)) => match per_platform.get(platform.name()) {
                Some(count) => card_count(count, &cards_path.key(platform.name())),
                None => Ok(1),
            },
            Some(count) => card_count(count, &cards_path),
        }
    };
    if let Some(Value::Object(per_platform)) = fields.get("num_cards")
        && let Some(stray) = per_platform.keys().find(|name| !resources.iter().any(|(p, _)| p.name() == name.as_str()))
    {
        return Err(JsonProblem::new(&cards_path.key(stray), format!("names `{stray}`, which `res` does not")));
    }
    resources
        .into_iter()
        .map(|(platform, resource)| Ok(PlatformRequirement { platform, resource, cards: cards_of(platform)? }))
        .collect()
}

/// Each platform's resources; a platform may list several (`{"cuda": ["H100", "L4"]}`).
fn platform_resources(res: &Map<String, Value>, path: &JsonPath) -> Result<Vec<(Platform, Resource)>, JsonProblem> {
    let mut out = Vec::new();
    for (platform_name, named) in res {
        let at = path.key(platform_name);
        let platform: Platform = platform_name.parse().map_err(|()| {
            JsonProblem::new(&at, format!("unknown platform `{platform_name}` (valid: {})", Platform::valid_names()))
        })?;
        let names: Vec<(JsonPath, &Value)> = match named {
            Value::Array(list) if !list.is_empty() => list.iter().enumerate().map(|(i, v)| (at.index(i), v)).collect(),
            single => vec![(at.clone(), single)],
        };
        for (name_at, name) in names {
            let supported = platform.resources().iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
            let resource = name.as_str().and_then(|n| Resource::on_platform(platform, n)).ok_or_else(|| {
                let given = name.as_str().map_or_else(|| describe(name), |n| format!("`{n}`"));
                JsonProblem::new(&name_at, format!("unknown {platform} resource {given} (supported: {supported})"))
            })?;
            out.push((platform, resource));
        }
    }
    Ok(out)
}

fn card_count(value: &Value, path: &JsonPath) -> Result<u32, JsonProblem> {
    value.as_u64().filter(|&n| n >= 1).and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
        JsonProblem::new(path, format!("expected a card count of at least 1, found {}", describe(value)))
    })
}
