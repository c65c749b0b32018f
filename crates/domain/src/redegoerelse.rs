//! The redegørelse's structure (domain.md §7): a summary, the five goal areas of
//! almenboligloven §§ 6 a–6 e, and the aftaler.

/// Sections of a redegørelse: (stable id, heading, guidance shown to the writer).
pub const AFSNIT: [(&str, &str, &str); 7] = [
    ("sammenfatning", "Sammenfatning af dialogen", "Kort sammenfatning af drøftelserne på dialogmødet."),
    (
        "oekonomi_og_drift",
        "Økonomi og drift",
        "Parternes vurdering af boligorganisationens økonomi, effektivitet og drift, og om relevante initiativer forfølges.",
    ),
    ("boligafdelinger", "Boligafdelinger", "Parternes vurdering af afdelingernes tilstand, udfordringer og indsatser."),
    (
        "nybyggeri_og_renovering",
        "Nybyggeri og renovering",
        "Parternes vurdering af omkostninger, kvalitet og bæredygtighed ved nybyggeri og renovering.",
    ),
    ("udlejning", "Udlejning", "Parternes vurdering af udlejning og anvendte udlejningsredskaber."),
    (
        "ledelse_og_beboerdemokrati",
        "Ledelse og beboerdemokrati",
        "Parternes vurdering af ledelse, beboerdemokrati og organisationsdrift.",
    ),
    (
        "aftaler",
        "Aftaler",
        "Kort beskrivelse af aftaler, der er indgået, eller som parterne er enige om at søge indgået.",
    ),
];

/// Heading of a section id, if it is one.
pub fn afsnit_titel(id: &str) -> Option<&'static str> {
    AFSNIT.iter().find(|(a, _, _)| *a == id).map(|(_, titel, _)| *titel)
}
