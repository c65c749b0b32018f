//! `styringsdialog effektivitet` on files, as an analyst runs it.

use std::path::PathBuf;
use std::process::Command;

struct Run {
    ok: bool,
    stderr: String,
    output: Option<String>,
}

fn run(name: &str, input: &[u8], extra: &[&str]) -> Run {
    let dir = std::env::temp_dir().join(format!("sd_eff_{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let input_path = dir.join(name);
    std::fs::write(&input_path, input).unwrap();
    let output_path: PathBuf = dir.join("ud.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_styringsdialog"))
        .args(["effektivitet", "--input", input_path.to_str().unwrap(), "--output", output_path.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap();
    Run {
        ok: out.status.success(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        output: std::fs::read_to_string(&output_path).ok(),
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    format!("{}_{:?}", SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos(), std::thread::current().id())
        .replace(['(', ')'], "")
}

fn rows(output: &str) -> Vec<Vec<String>> {
    output.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

#[test]
fn hand_computed_example_with_the_zero_rules() {
    // B is cheaper than A on both accounts: θ(A,B) = max(50/100, 100/200) = 0.5.
    // C spends 0 on 110 where D spends 0 too: no constraint there; θ(D,C) = 80/100.
    // E spends 0 on 109 but F spends 10 there: F is not cheaper for E.
    // G spends nothing at all: 100.
    let input =
        b"afdeling,gruppe,109,110\nA,x,100,200\nB,x,50,100\nC,y,80,0\nD,y,100,0\nE,z,0,100\nF,z,10,50\nG,z,0,0\n";
    let r = run("ind.csv", input, &["--trim", "0"]);
    assert!(r.ok, "{}", r.stderr);
    let rows = rows(&r.output.unwrap());
    let get = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    assert_eq!(get("A"), ["A", "50.000000", "B"]);
    assert_eq!(get("B"), ["B", "100.000000", "B"]);
    assert_eq!(get("D"), ["D", "80.000000", "C"]);
    // E: G spends 0 where E spends 0 (109) and 0 < 100 on 110, so G is cheaper: θ = 0.
    assert_eq!(get("E")[1], "0.000000");
    assert_eq!(get("G"), ["G", "100.000000", "G"]);
    assert_eq!(get("F")[1], "0.000000", "G spends nothing, so F's best practice is G");
}

#[test]
fn danish_dialect_and_no_group_column() {
    let r = run("dansk.csv", "afdeling;109;110\n1;1.000,5;20\n2;500,25;10\n".as_bytes(), &["--trim", "0"]);
    assert!(r.ok, "{}", r.stderr);
    let rows = rows(&r.output.unwrap());
    assert_eq!(rows[0][2], "2");
    assert!(rows[0][1].starts_with("50.0"), "{:?}", rows[0]);
}

#[test]
fn bad_input_gets_a_precise_error_and_writes_nothing() {
    let cases: [(&[u8], &str); 5] = [
        (b"navn,109\nA,1\n", "kolonnen «afdeling» mangler"),
        (b"afdeling,gruppe\nA,x\n", "ingen kontokolonner"),
        (b"afdeling,109\nA,mange\n", "række 2, kolonne «109»: fandt «mange», forventede et tal"),
        (b"afdeling,109\nA,-5\n", "række 2, kolonne «109»: fandt «-5», forventede en omkostning på 0 eller derover"),
        (b"afdeling,109\nA,5\nA,6\n", "række 3, kolonne «afdeling»: afdeling «A» findes også i række 2"),
    ];
    for (input, expected) in cases {
        let r = run("fejl.csv", input, &[]);
        assert!(!r.ok);
        assert!(r.stderr.contains(expected), "expected «{expected}» in: {}", r.stderr);
        assert!(r.output.is_none(), "no output on error");
    }
}

#[test]
fn trimming_leaves_tails_out_as_peers_but_scores_them() {
    // 40 afdelinger on one account, costs 1..=40: with 2.5 % trimmed, the cheapest (1) is no
    // peer, so 2 becomes best practice for everyone else.
    let mut input = String::from("afdeling,109\n");
    for i in 1..=40 {
        input.push_str(&format!("a{i},{i}\n"));
    }
    let trimmed = rows(&run("t.csv", input.as_bytes(), &["--trim", "0.025"]).output.unwrap());
    assert_eq!(trimmed.iter().find(|r| r[0] == "a10").unwrap()[2], "a2");
    assert_eq!(trimmed.iter().find(|r| r[0] == "a1").unwrap()[1], "100.000000", "a1 is scored against itself");
    let untrimmed = rows(&run("t.csv", input.as_bytes(), &["--trim", "0"]).output.unwrap());
    assert_eq!(untrimmed.iter().find(|r| r[0] == "a10").unwrap()[2], "a1");
}
