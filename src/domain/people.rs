//! The people of a sync request, held compactly: each person's JSON text, one
//! after another in one buffer, parsed again only while a plan looks at them.
//!
//! A parsed [`Person`] costs about 1.5 KiB of small allocations (a struct of
//! twenty fields, each string its own allocation, `attributes` a map); its text
//! is about 300 bytes. For 100,000 people that is the difference between
//! 150 MiB and 30 MiB held for the whole of a plan.

use std::{collections::HashMap, fmt};

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{SeqAccess, Visitor},
};
use serde_json::value::RawValue;

use super::{FieldError, FieldErrors, Person};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct People {
    /// A JSON array of the people, each as `Person::as_json` writes it.
    text: String,
    /// Where each person's text ends in `text`.
    ends: Vec<usize>,
    /// What is wrong with the people, by path (`people[3].external_id`):
    /// found while reading, so no second pass is needed to refuse them.
    faults: Vec<FieldError>,
}

impl People {
    /// Reads people one by one (the way a request is streamed in): each is
    /// checked and written out as text, then dropped.
    pub fn collect(people: impl IntoIterator<Item = Person>) -> Self {
        let mut reader = PeopleReader::default();
        for person in people {
            reader.push(&person);
        }
        reader.finish()
    }

    /// The people in chunks of `size`, each a JSON array (for storing a
    /// large request piece by piece; [`PeopleReader::read_chunk`] reads them back).
    pub fn chunks(&self, size: usize) -> impl Iterator<Item = String> + '_ {
        let size = size.max(1);
        (0..self.len()).step_by(size).map(move |first| {
            let last = (first + size).min(self.len()) - 1;
            let start = self.start_of(first);
            let mut chunk = String::with_capacity(self.ends[last] - start + 2);
            chunk.push('[');
            chunk.push_str(self.text.get(start..self.ends[last]).unwrap_or_default());
            chunk.push(']');
            chunk
        })
    }

    /// Where person `i`'s text starts.
    fn start_of(&self, i: usize) -> usize {
        match i {
            0 => 1,
            _ => self.ends.get(i - 1).map_or(self.text.len(), |end| end + 1),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Person `i`, parsed from its text.
    pub fn get(&self, i: usize) -> Option<Person> {
        let text = self.text.get(self.start_of(i)..*self.ends.get(i)?)?;
        // The text is what `Person::as_json` wrote, so it always reads back.
        serde_json::from_str(text).ok()
    }

    /// Every person, parsed one at a time.
    pub fn iter(&self) -> impl Iterator<Item = Person> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Each person's text, in order (what `input_hash` digests).
    pub fn texts(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .filter_map(|(start, &end)| self.text.get(start + 1..end))
    }

    /// What is wrong with the people: a key missing or repeated, a field
    /// invalid, each named by its path (`people[3].external_id`).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        for fault in &self.faults {
            errors.push(fault.field.clone(), fault.message.clone());
        }
        errors.into_result(())
    }
}

impl fmt::Debug for People {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "People({} people, {} bytes)",
            self.len(),
            self.text.len()
        )
    }
}

/// Builds [`People`] one person at a time.
#[derive(Default)]
pub struct PeopleReader {
    people: People,
    /// Each key seen, and where first: a repeated key is a fault.
    seen: HashMap<Box<str>, usize>,
}

impl PeopleReader {
    pub fn push(&mut self, person: &Person) {
        let i = self.people.ends.len();
        let mut faults = FieldErrors::new();
        match person.fields.external_id.as_deref() {
            None | Some("") => faults.push("external_id", "is required: it is the person's key"),
            Some(key) => {
                if let Some(first) = self.seen.get(key) {
                    faults.push("external_id", format!("repeats people[{first}]"));
                } else {
                    self.seen.insert(key.into(), i);
                }
            }
        }
        faults.extend(person.fields.validate());
        for fault in faults.into_vec() {
            let field = format!("people[{i}].{}", fault.field);
            self.people
                .faults
                .push(FieldError::new(field, fault.message));
        }
        let text = &mut self.people.text;
        text.push(if i == 0 { '[' } else { ',' });
        text.push_str(&person.as_json().to_string());
        self.people.ends.push(text.len());
    }

    /// Adds the people of `chunk`, a JSON array (as [`People::chunks`] writes).
    pub fn read_chunk(&mut self, chunk: &str) -> serde_json::Result<()> {
        for person in serde_json::from_str::<Vec<Person>>(chunk)? {
            self.push(&person);
        }
        Ok(())
    }

    pub fn finish(mut self) -> People {
        if self.people.text.is_empty() {
            self.people.text.push('[');
        }
        self.people.text.push(']');
        self.people.text.shrink_to_fit();
        self.people.ends.shrink_to_fit();
        self.people
    }
}

/// A JSON array of people, read one person at a time: the whole array is
/// never held as parsed people (or as a `Value` tree).
impl<'de> Deserialize<'de> for People {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Each;
        impl<'de> Visitor<'de> for Each {
            type Value = People;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of people")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<People, A::Error> {
                let mut reader = PeopleReader::default();
                while let Some(person) = seq.next_element::<Person>()? {
                    reader.push(&person);
                }
                Ok(reader.finish())
            }
        }
        deserializer.deserialize_seq(Each)
    }
}

/// Written as the JSON array it holds, without parsing anyone.
impl Serialize for People {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = if self.text.is_empty() {
            "[]"
        } else {
            &self.text
        };
        let raw: &RawValue = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn person(key: &str) -> serde_json::Value {
        json!({"external_id": key, "user_name": format!("{key}@example.com"),
               "attributes": {"department": "Engines"}})
    }

    #[test]
    fn people_read_back_as_they_were_sent() {
        let sent = json!([person("E-1"), person("E-2"), person("E-3")]);
        let people: People = serde_json::from_value(sent.clone()).unwrap();
        assert_eq!(people.len(), 3);
        let back: Vec<Person> = people.iter().collect();
        let expected: Vec<Person> = serde_json::from_value(sent).unwrap();
        assert_eq!(back, expected);
        assert_eq!(people.get(1).unwrap().key(), "E-2");
        assert_eq!(people.get(3), None);
        assert!(people.check().is_ok());
    }

    #[test]
    fn texts_are_each_persons_json_and_the_whole_serialises_as_an_array() {
        let people: People = serde_json::from_value(json!([person("E-1"), person("E-2")])).unwrap();
        let texts: Vec<&str> = people.texts().collect();
        let expected = |key| {
            serde_json::to_string(
                &serde_json::from_value::<Person>(person(key))
                    .unwrap()
                    .as_json(),
            )
            .unwrap()
        };
        assert_eq!(texts, vec![expected("E-1"), expected("E-2")]);
        let again: People = serde_json::from_str(&serde_json::to_string(&people).unwrap()).unwrap();
        assert_eq!(again, people);
    }

    #[test]
    fn people_stored_in_chunks_read_back_the_same() {
        let sent: Vec<_> = (0..7).map(|n| person(&format!("E-{n}"))).collect();
        let people: People = serde_json::from_value(json!(sent)).unwrap();
        let chunks: Vec<String> = people.chunks(3).collect();
        assert_eq!(chunks.len(), 3);
        let mut reader = PeopleReader::default();
        for chunk in &chunks {
            reader.read_chunk(chunk).unwrap();
        }
        assert_eq!(reader.finish(), people);
        assert_eq!(People::default().chunks(3).count(), 0);
    }

    #[test]
    fn no_people_is_an_empty_array() {
        let people: People = serde_json::from_value(json!([])).unwrap();
        assert!(people.is_empty());
        assert_eq!(people.texts().count(), 0);
        assert_eq!(serde_json::to_string(&people).unwrap(), "[]");
    }

    #[test]
    fn missing_and_repeated_keys_and_bad_fields_are_faults_with_their_paths() {
        let people: People = serde_json::from_value(json!([
            person("E-1"),
            {"user_name": "nokey@example.com"},
            person("E-1"),
            {"external_id": "E-4", "user_name": ""},
        ]))
        .unwrap();
        let errors = people.check().unwrap_err().into_vec();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "people[1].external_id",
                "people[2].external_id",
                "people[3].user_name"
            ]
        );
        assert_eq!(errors[1].message, "repeats people[0]");
    }
}
