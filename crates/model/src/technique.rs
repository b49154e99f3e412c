//! The 14 techniques of SemEval-2020 Task 11, their official names and plain definitions.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A propaganda technique of SemEval-2020 Task 11.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Technique {
    /// Citing an authority as sufficient proof.
    AppealToAuthority,
    /// Building support or hostility through fear or prejudice.
    AppealToFearPrejudice,
    /// Bandwagon, or reductio ad hitlerum.
    BandwagonReductioAdHitlerum,
    /// Presenting two options as the only ones.
    BlackAndWhiteFallacy,
    /// A single cause for a complex issue.
    CausalOversimplification,
    /// Questioning credibility.
    Doubt,
    /// Exaggeration or minimisation.
    ExaggerationMinimisation,
    /// Appeals to national or group identity.
    FlagWaving,
    /// Emotionally charged words.
    LoadedLanguage,
    /// Name calling or labeling.
    NameCallingLabeling,
    /// Repeating a message.
    Repetition,
    /// A brief, striking phrase.
    Slogans,
    /// A phrase that discourages further thought.
    ThoughtTerminatingCliches,
    /// Whataboutism, straw men, red herrings.
    WhataboutismStrawMenRedHerring,
}

impl Technique {
    /// All techniques, in the order of the official list.
    pub const ALL: [Technique; 14] = [
        Technique::AppealToAuthority,
        Technique::AppealToFearPrejudice,
        Technique::BandwagonReductioAdHitlerum,
        Technique::BlackAndWhiteFallacy,
        Technique::CausalOversimplification,
        Technique::Doubt,
        Technique::ExaggerationMinimisation,
        Technique::FlagWaving,
        Technique::LoadedLanguage,
        Technique::NameCallingLabeling,
        Technique::Repetition,
        Technique::Slogans,
        Technique::ThoughtTerminatingCliches,
        Technique::WhataboutismStrawMenRedHerring,
    ];

    /// The name exactly as the official scorer spells it.
    pub fn name(self) -> &'static str {
        use Technique::*;
        match self {
            AppealToAuthority => "Appeal_to_Authority",
            AppealToFearPrejudice => "Appeal_to_fear-prejudice",
            BandwagonReductioAdHitlerum => "Bandwagon,Reductio_ad_hitlerum",
            BlackAndWhiteFallacy => "Black-and-White_Fallacy",
            CausalOversimplification => "Causal_Oversimplification",
            Doubt => "Doubt",
            ExaggerationMinimisation => "Exaggeration,Minimisation",
            FlagWaving => "Flag-Waving",
            LoadedLanguage => "Loaded_Language",
            NameCallingLabeling => "Name_Calling,Labeling",
            Repetition => "Repetition",
            Slogans => "Slogans",
            ThoughtTerminatingCliches => "Thought-terminating_Cliches",
            WhataboutismStrawMenRedHerring => "Whataboutism,Straw_Men,Red_Herring",
        }
    }

    /// A short human-readable label.
    pub fn label(self) -> &'static str {
        use Technique::*;
        match self {
            AppealToAuthority => "Appeal to authority",
            AppealToFearPrejudice => "Appeal to fear or prejudice",
            BandwagonReductioAdHitlerum => "Bandwagon / reductio ad hitlerum",
            BlackAndWhiteFallacy => "Black-and-white fallacy",
            CausalOversimplification => "Causal oversimplification",
            Doubt => "Doubt",
            ExaggerationMinimisation => "Exaggeration or minimisation",
            FlagWaving => "Flag-waving",
            LoadedLanguage => "Loaded language",
            NameCallingLabeling => "Name calling / labeling",
            Repetition => "Repetition",
            Slogans => "Slogan",
            ThoughtTerminatingCliches => "Thought-terminating cliché",
            WhataboutismStrawMenRedHerring => "Whataboutism / straw man / red herring",
        }
    }

    /// A one-sentence definition in neutral words (after the SemEval-2020 guidelines).
    pub fn definition(self) -> &'static str {
        use Technique::*;
        match self {
            AppealToAuthority => "presents a claim as true because an authority or expert backs it",
            AppealToFearPrejudice => "seeks support for an idea by raising fear, anxiety or prejudice about an alternative",
            BandwagonReductioAdHitlerum => "urges agreement because everyone else agrees, or rejects an idea by linking it to a hated group",
            BlackAndWhiteFallacy => "presents two alternatives as the only possibilities when more exist",
            CausalOversimplification => "assigns a single cause to an issue that has several",
            Doubt => "questions the credibility of someone or something",
            ExaggerationMinimisation => "represents something as much larger, better or worse, or much smaller, than it is",
            FlagWaving => "appeals to national or group identity to justify or promote an idea",
            LoadedLanguage => "uses words with strong emotional connotations to influence the reader",
            NameCallingLabeling => "labels the object of the message with a term the audience fears, hates or admires",
            Repetition => "repeats the same message so that the audience accepts it",
            Slogans => "uses a brief, striking phrase that may carry labeling or stereotyping",
            ThoughtTerminatingCliches => "uses a short phrase that discourages critical thought and discussion",
            WhataboutismStrawMenRedHerring => "deflects by pointing at the other side's conduct, distorting its position, or changing the subject",
        }
    }

    /// The index of this technique in [`Technique::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Technique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Technique {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Technique {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Technique, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Technique {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Technique::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| Error::UnknownTechnique(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_official_list() {
        for (i, t) in Technique::ALL.into_iter().enumerate() {
            assert_eq!(t.index(), i);
            assert_eq!(t.name().parse::<Technique>().unwrap(), t);
        }
        // The official list is sorted; so is ours.
        let names: Vec<&str> = Technique::ALL.iter().map(|t| t.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!("Loaded Language".parse::<Technique>().is_err());
    }

    #[test]
    fn serde_spells_the_official_names() {
        for t in Technique::ALL {
            let v = bincode::serialize(&t).unwrap();
            assert_eq!(bincode::deserialize::<Technique>(&v).unwrap(), t);
        }
    }
}
