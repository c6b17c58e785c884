//! The registered tests as data: what the e2e binary prints with `--catalog-json`, and what CI
//! pipelines are planned from. The `omnitest` binary does not link the suites, so it learns
//! them this way.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::registry::{Catalog, Level, Marker, MarkerSet, Platform, PlatformRequirement, Resource, TestCase};
use crate::selection::partition_key;

/// The format version in `--catalog-json` output; bumped when a field changes meaning.
pub const CATALOG_FORMAT: u32 = 1;

/// Every registered test, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSummary {
    /// [`CATALOG_FORMAT`].
    pub omnitest_catalog: u32,
    /// The tests, sorted by path.
    pub tests: Vec<TestSummary>,
}

/// One registered test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSummary {
    /// `module::test_fn`.
    pub path: String,
    /// `file:line`, when known.
    pub source: Option<String>,
    /// Its levels.
    #[serde(serialize_with = "names_out", deserialize_with = "levels_in")]
    pub levels: Vec<Level>,
    /// Its markers: declared, levels, and derived from the hardware requirement.
    #[serde(serialize_with = "names_out", deserialize_with = "markers_in")]
    pub markers: Vec<Marker>,
    /// Its hardware requirement per platform; empty for CPU tests.
    pub requirements: Vec<RequirementSummary>,
    /// Its trials.
    pub trials: Vec<TrialSummary>,
}

/// What a test needs on one platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequirementSummary(pub PlatformRequirement);

/// One trial of a test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSummary {
    /// `path`, `path[scenario]` or `path[param]`.
    pub name: String,
    /// What `--partition hash:M/N` hashes for it.
    pub partition_key: String,
}

impl CatalogSummary {
    /// The description of a collected catalog.
    pub fn of(catalog: &Catalog) -> CatalogSummary {
        CatalogSummary {
            omnitest_catalog: CATALOG_FORMAT,
            tests: catalog.cases().iter().map(|case| TestSummary::of(case)).collect(),
        }
    }

    /// Reads `--catalog-json` output; errors name the JSON path of what is wrong.
    pub fn from_json(text: &str) -> Result<CatalogSummary, CatalogJsonError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let summary: CatalogSummary = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|err| CatalogJsonError { path: err.path().to_string(), message: err.inner().to_string() })?;
        if summary.omnitest_catalog != CATALOG_FORMAT {
            return Err(CatalogJsonError {
                path: "omnitest_catalog".into(),
                message: format!(
                    "format {} is not the {CATALOG_FORMAT} this omnitest reads (rebuild the e2e binary and omnitest together)",
                    summary.omnitest_catalog
                ),
            });
        }
        Ok(summary)
    }
}

impl TestSummary {
    fn of(case: &TestCase) -> TestSummary {
        let trials = crate::registry::trial_names_of(case)
            .into_iter()
            .zip(case.scenarios.iter().map(|choice| Some(choice.scenario)).chain(std::iter::repeat(None)))
            .map(|(name, scenario)| TrialSummary { partition_key: partition_key(&name, scenario), name })
            .collect();
        TestSummary {
            path: case.path.to_string(),
            source: case.source.as_ref().map(|(file, line)| format!("{file}:{line}")),
            levels: case.levels.clone(),
            markers: case.markers.iter().collect(),
            requirements: case.requirements.iter().copied().map(RequirementSummary).collect(),
            trials,
        }
    }

    /// Its markers as a set, as marker expressions see them.
    pub fn marker_set(&self) -> MarkerSet {
        self.markers.iter().copied().collect()
    }

    /// Its requirements.
    pub fn platform_requirements(&self) -> Vec<PlatformRequirement> {
        self.requirements.iter().map(|r| r.0).collect()
    }
}

/// `--catalog-json` output that does not describe a catalog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid catalog JSON at `{path}`: {message}")]
pub struct CatalogJsonError {
    /// Where in the JSON.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn names_out<S: Serializer, T: std::fmt::Display>(items: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(ToString::to_string))
}

fn levels_in<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Level>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    names.iter().map(|name| name.parse().map_err(serde::de::Error::custom)).collect()
}

fn markers_in<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Marker>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    names
        .iter()
        .map(|name| {
            Marker::from_name(name).ok_or_else(|| {
                serde::de::Error::custom(format!("unknown marker `{name}` (valid markers: {})", Marker::valid_names()))
            })
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementFields {
    platform: String,
    resource: String,
    cards: u32,
}

impl Serialize for RequirementSummary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let PlatformRequirement { platform, resource, cards } = self.0;
        RequirementFields { platform: platform.to_string(), resource: resource.to_string(), cards }
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RequirementSummary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let fields = RequirementFields::deserialize(deserializer)?;
        let platform: Platform = fields.platform.parse().map_err(|()| {
            D::Error::custom(format!("unknown platform `{}` (valid: {})", fields.platform, Platform::valid_names()))
        })?;
        let resource = Resource::on_platform(platform, &fields.resource).ok_or_else(|| {
            let valid: Vec<&str> = platform.resources().iter().map(|r| r.name()).collect();
            D::Error::custom(format!("unknown {platform} resource `{}` (valid: {})", fields.resource, valid.join(", ")))
        })?;
        if fields.cards == 0 {
            return Err(D::Error::custom("cards must be at least 1"));
        }
        Ok(RequirementSummary(PlatformRequirement { platform, resource, cards: fields.cards }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Body, Scenario};

    static SHARED: Scenario = Scenario::mock("m", "text");

    fn catalog() -> Catalog {
        let gpu = TestCase::new("s::gpu", &[Level::CoreModel], &[Marker::Omni], Body::Static(|_| Ok(())))
            .with_requirements(vec![PlatformRequirement {
                platform: Platform::Cuda,
                resource: Resource::H100,
                cards: 2,
            }])
            .with_scenario("a", &SHARED);
        let doc = TestCase::new("examples::test_readme", &[Level::FullModel], &[Marker::Cpu], Body::Static(|_| Ok(())))
            .with_param("intro_001");
        Catalog::from_cases(vec![gpu, doc]).unwrap()
    }

    #[test]
    fn round_trips_through_json() {
        let summary = CatalogSummary::of(&catalog());
        let json = serde_json::to_string(&summary).unwrap();
        assert_eq!(CatalogSummary::from_json(&json).unwrap(), summary);
        assert_eq!(summary.tests[0].trials[0].name, "examples::test_readme[intro_001]");
        assert_eq!(summary.tests[0].trials[0].partition_key, "examples::test_readme[intro_001]");
        assert_eq!(summary.tests[1].trials[0].partition_key, format!("{SHARED:?}"));
        assert!(json.contains(r#""requirements":[{"platform":"cuda","resource":"H100","cards":2}]"#), "{json}");
    }

    #[test]
    fn errors_name_the_json_path() {
        let json = serde_json::to_string(&CatalogSummary::of(&catalog())).unwrap();
        let bad_marker = json.replacen("\"omni\"", "\"omnii\"", 1);
        let err = CatalogSummary::from_json(&bad_marker).unwrap_err().to_string();
        assert!(err.starts_with("invalid catalog JSON at `tests[1].markers`: unknown marker `omnii`"), "{err}");
        let bad_resource = json.replacen("\"H100\",\"cards\"", "\"MI325\",\"cards\"", 1);
        let err = CatalogSummary::from_json(&bad_resource).unwrap_err().to_string();
        assert!(err.contains("`tests[1].requirements[0]`: unknown cuda resource `MI325` (valid: L4, H100)"), "{err}");
        let other_format = json.replacen("\"omnitest_catalog\":1", "\"omnitest_catalog\":9", 1);
        assert!(CatalogSummary::from_json(&other_format).unwrap_err().to_string().contains("format 9 is not the 1"));
    }
}
