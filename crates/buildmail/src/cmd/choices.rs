//! Values parsed by their own `FromStr` (which accepts aliases, such as Jenkins' `FAILURE`) that
//! still tell shell completion the words to offer, as a `ValueEnum` would.

use std::ffi::OsStr;
use std::str::FromStr;

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};

/// A value parser for `T` that completes `words`.
#[derive(Clone)]
pub struct Choices<T> {
    words: Vec<&'static str>,
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Choices<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    /// Parses with `T::from_str`; completes `words`.
    pub fn new(words: impl IntoIterator<Item = &'static str>) -> Self {
        Choices {
            words: words.into_iter().collect(),
            parse: |text| text.parse::<T>().map_err(|e| e.to_string()),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Choices<T> {
    type Value = T;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let parse = self.parse;
        StringValueParser::new()
            .try_map(move |text| parse(&text))
            .parse_ref(command, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.words.iter().map(|word| PossibleValue::new(*word)),
        ))
    }
}
