//! Typesets documents saved as JSON (`styringsdialog udskriv --json`) and prints the time of
//! each stage, for work on the template: `cargo run --release -p pdf --example saet -- a.json`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for fil in std::env::args().skip(1) {
        let dokument: pdf::Dokument = serde_json::from_slice(&std::fs::read(&fil)?)?;
        for _ in 0..3 {
            pdf::ryd_op();
            let u = pdf::pdf_med_maaling(&dokument)?;
            println!(
                "{fil}: {} sider, sætning {:.0} ms, PDF {:.0} ms, {} kB",
                u.sider,
                u.saetning.as_secs_f64() * 1000.0,
                u.eksport.as_secs_f64() * 1000.0,
                u.bytes.len() / 1024
            );
        }
    }
    Ok(())
}
