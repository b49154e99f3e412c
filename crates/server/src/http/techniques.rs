//! `GET /api/v1/techniques`: the 14 techniques, with definitions and examples.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use unspin_detect::techniques::Technique;

use super::AppState;

/// One technique.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TechniqueInfo {
    /// Official SemEval-2020 name.
    pub name: &'static str,
    /// Readable label.
    pub label: &'static str,
    /// Definition in neutral words.
    pub definition: &'static str,
    /// A made-up example sentence.
    pub example: &'static str,
}

/// Example sentences, written for unspin; about no real person or party.
fn example(t: Technique) -> &'static str {
    use Technique::*;
    match t {
        AppealToAuthority => {
            "The professor says the plan is sound, so there is nothing to discuss."
        }
        AppealToFearPrejudice => "If this passes, our streets will never be safe again.",
        BandwagonReductioAdHitlerum => "Everyone in town already supports it; only cranks object.",
        BlackAndWhiteFallacy => "Either you back the project or you want the town to die.",
        CausalOversimplification => "Prices rose for one reason only: the new mayor.",
        Doubt => "Can we really trust a council that hides its own reports?",
        ExaggerationMinimisation => "This is the worst decision in the history of the county.",
        FlagWaving => "True patriots of this valley will stand with us.",
        LoadedLanguage => "A reckless, shameful scheme.",
        NameCallingLabeling => "The usual band of meddling bureaucrats.",
        Repetition => "Save the park. Save the park. Save the park.",
        Slogans => "Not one more tree!",
        ThoughtTerminatingCliches => "It is what it is.",
        WhataboutismStrawMenRedHerring => {
            "They complain about the bridge, but what about their own parking fiasco?"
        }
    }
}

/// The techniques unspin detects.
#[utoipa::path(get, path = "/api/v1/techniques",
    responses((status = 200, description = "The 14 techniques", body = [TechniqueInfo])))]
pub async fn techniques() -> Json<Vec<TechniqueInfo>> {
    Json(
        Technique::ALL
            .iter()
            .map(|&t| TechniqueInfo {
                name: t.name(),
                label: t.label(),
                definition: t.definition(),
                example: example(t),
            })
            .collect(),
    )
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/techniques", get(techniques))
}
