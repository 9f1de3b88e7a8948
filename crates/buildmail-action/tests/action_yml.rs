//! `actions/notify/action.yml` declares every input the binary reads, with a description and a
//! default, and passes each explicitly as `INPUT_*` to both the bash and the pwsh step
//! (a composite action passes none by itself).

use buildmail_action::inputs::{NAMES, variable};

fn action_yml() -> String {
    let path = format!(
        "{}/../../actions/notify/action.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_input_is_declared_with_a_description_and_a_default() {
    let yml = action_yml();
    let declared = yml.split("\noutputs:").next().unwrap();
    for name in NAMES {
        let at = declared
            .find(&format!("\n  {name}:\n"))
            .unwrap_or_else(|| panic!("{name} is not declared"));
        let entry: String = declared[at..]
            .lines()
            .skip(2)
            .take(3)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(entry.contains("    description: "), "{name}: {entry}");
        assert!(entry.contains("    default: "), "{name}: {entry}");
    }
    let count = declared
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .count();
    assert_eq!(
        count,
        NAMES.len(),
        "action.yml declares an input the binary does not read"
    );
}

#[test]
fn every_input_reaches_both_run_steps_as_its_variable() {
    let yml = action_yml();
    for name in NAMES {
        let line = format!("        {}: ${{{{ inputs.{name} }}}}\n", variable(name));
        assert_eq!(yml.matches(&line).count(), 2, "{line}");
    }
}

#[test]
fn status_defaults_to_the_jobs_status_and_outputs_are_declared() {
    let yml = action_yml();
    assert!(yml.contains("  status:\n    description: "), "{yml}");
    assert!(yml.contains("    default: '${{ job.status }}'"), "{yml}");
    for output in [
        "status",
        "message_id",
        "attempts",
        "explanation",
        "outbox_id",
    ] {
        let value = format!(
            "value: ${{{{ steps.unix.outputs.{output} || steps.windows.outputs.{output} }}}}"
        );
        assert!(yml.contains(&value), "{output}");
    }
}
