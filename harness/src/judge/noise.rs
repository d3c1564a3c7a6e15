//! What the machine's noise means for a scenario: the generator's lateness, the machine's
//! pauses and its other load, each a note or a reason the scenario is invalid.

use reports::ScenarioResult;

use crate::judge::verdict::{Noise, judge_hiccups, judge_lateness, judge_machine_load};
use crate::spec::budget::{Budgets, Profile};

/// What the generator's lateness, the machine's pauses and its other load mean for the
/// scenario's verdicts: notes, or reasons it is invalid.
pub fn judge_noise(budgets: &Budgets, profile: Profile, result: &mut ScenarioResult) {
    for noise in [
        judge_lateness(budgets, profile, result),
        judge_hiccups(budgets, profile, result),
        judge_machine_load(budgets, profile, result),
    ] {
        match noise {
            Noise::Quiet => {}
            Noise::Harmless(note) => result.notes.push(note),
            Noise::Decides(reason) => result.invalid_reasons.push(reason),
        }
    }
}
