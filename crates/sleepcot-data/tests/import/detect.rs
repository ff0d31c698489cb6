//! `detect` (the `--from auto` sniff) and `import`'s dispatch.

use std::path::Path;

use sleepcot_data::import::{self, ImportError, Vendor};

use super::fixture;

/// The start of an Apple Health `export.xml`: its inline DTD names `HealthData` before the
/// root element does.
const APPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
]>
<HealthData locale="en_GB">
 <ExportDate value="2024-04-01 08:00:00 +0100"/>
"#;

#[test]
fn each_fixture_is_detected_as_its_vendor() {
    for (name, vendor) in [
        ("oura_sleep.json", Vendor::Oura),
        ("fitbit_stages.json", Vendor::Fitbit),
        ("fitbit_classic.json", Vendor::Fitbit),
        ("fitbit_takeout/sleep-2024-07-01.json", Vendor::Fitbit),
        ("garmin_sleeps.json", Vendor::Garmin),
        ("whoop_sleep.json", Vendor::Whoop),
    ] {
        let (_, bytes) = fixture(name);
        assert_eq!(import::detect(&bytes), Some(vendor), "{name}");
    }
    assert_eq!(import::detect(APPLE.as_bytes()), Some(Vendor::Apple));
}

#[test]
fn other_files_are_not_detected() {
    // Another XML, CSV, unrelated JSON, nothing.
    for bytes in [
        "<HealthDataX/>",
        "<gpx version=\"1.1\"></gpx>",
        "date,steps\n2024-04-01,9000\n",
        r#"{"steps": [{"date": "2024-04-01", "value": 9000}]}"#,
        "",
    ] {
        assert_eq!(import::detect(bytes.as_bytes()), None, "{bytes}");
    }
    // WHOOP cycle records share score_state and timezone_offset, but not nap / stage_summary.
    let cycle = r#"{"records": [{"id": 1, "score_state": "SCORED", "timezone_offset": "-05:00", "score": {"strain": 5.2}}]}"#;
    assert_eq!(import::detect(cycle.as_bytes()), None);
    // A DTD that names HealthData is Apple's (its DOCTYPE names the root); with no element
    // after it, the Apple importer refuses it in one sentence naming the file.
    let dtd_only =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (Me)>\n]>\n";
    assert_eq!(import::detect(dtd_only.as_bytes()), Some(Vendor::Apple));
    let err = import::import(Path::new("export.xml"), dtd_only.as_bytes(), None).unwrap_err();
    assert!(err.to_string().starts_with("export.xml "), "{err}");
}

#[test]
fn import_dispatches_on_the_vendor_given_or_detected() {
    for name in [
        "oura_sleep.json",
        "fitbit_stages.json",
        "garmin_sleeps.json",
        "whoop_sleep.json",
    ] {
        let (path, bytes) = fixture(name);
        let auto = import::import(&path, &bytes, None).unwrap();
        let named = import::import(&path, &bytes, import::detect(&bytes)).unwrap();
        assert_eq!(auto, named, "{name}");
        assert!(!auto.nights.is_empty(), "{name}");
    }
    // Naming the wrong vendor is the wrong vendor, not a guess.
    let (path, bytes) = fixture("oura_sleep.json");
    let err = import::import(&path, &bytes, Some(Vendor::Whoop)).unwrap_err();
    assert!(matches!(err, ImportError::WrongVendor { .. }), "{err}");
}

#[test]
fn apple_is_detected_and_imported_and_unknown_files_are_refused() {
    let (path, bytes) = fixture("apple/export.xml");
    assert_eq!(import::detect(&bytes), Some(Vendor::Apple));
    let export = import::import(&path, &bytes, None).expect("the Apple fixture imports");
    assert_eq!(export.nights.len(), 3);
    assert!(export.nights.iter().all(|n| n.vendor == Vendor::Apple));
    let err = import::import(Path::new("steps.json"), br#"{"steps": []}"#, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "steps.json is not a wearable export: it looks like JSON with none of the sleep fields of a known export"
    );
}
