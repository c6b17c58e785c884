//! `omnitest markers`: the strict marker set, grouped, with where each comes from.

use std::process::ExitCode;

use crate::registry::{Marker, MarkerGroup};
use crate::selection::HardwareShard;

pub(crate) fn run() -> ExitCode {
    let groups = [
        (MarkerGroup::Level, "levels (#[levels(...)])"),
        (MarkerGroup::Function, "function (#[markers(...)])"),
        (MarkerGroup::Platform, "platform (cpu in #[markers(...)], the rest from #[hardware(...)])"),
        (MarkerGroup::Resource, "resource (from #[hardware(...)])"),
        (MarkerGroup::MultiCard, "multi-card (from #[hardware(...)] with cards > 1)"),
        (MarkerGroup::Slow, "slow (#[markers(slow)]; selected only by -m expressions naming it)"),
    ];
    for (group, title) in groups {
        let names: Vec<&str> = Marker::ALL.iter().filter(|m| m.group() == group).map(|m| m.name()).collect();
        println!("{title}:\n  {}", names.join(", "));
    }
    println!("hardware shards (--hardware):\n  {}", HardwareShard::valid_names());
    ExitCode::SUCCESS
}
