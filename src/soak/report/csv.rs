//! `samples.csv`: one row per sample, written as the soak runs (a crash keeps what was
//! sampled), with the client's window, the process tree, GPU memory and the `/metrics` columns.
//! Empty cells are values a sampler could not read.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::soak::sample::{Sample, prometheus};
use crate::soak::window::Percentiles;

/// The open CSV file.
#[derive(Debug)]
pub struct SampleCsv {
    path: PathBuf,
    writer: csv::Writer<File>,
    gpus: usize,
    metric_columns: Vec<String>,
}

/// Why the CSV file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}\n(hint: check that the output folder is writable and has space)", path.display())]
pub struct CsvError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: csv::Error,
}

const CLIENT_COLUMNS: [&str; 19] = [
    "t_s",
    "in_flight",
    "sent",
    "completed",
    "failed",
    "errors",
    "ttft_p50_ms",
    "ttft_p95_ms",
    "ttft_p99_ms",
    "tpot_p50_ms",
    "tpot_p95_ms",
    "tpot_p99_ms",
    "itl_p50_ms",
    "itl_p95_ms",
    "itl_p99_ms",
    "e2el_p50_ms",
    "e2el_p95_ms",
    "e2el_p99_ms",
    "dispatch_lag_p99_ms",
];

const PROCESS_COLUMNS: [&str; 5] = ["processes", "rss_mb", "fds", "threads", "gpu_processes_mib"];

impl SampleCsv {
    /// Creates `path` with its header: the GPU columns for `gpus` (NVML indices), then
    /// `metric_columns`.
    pub fn create(path: &Path, gpus: &[usize], metric_columns: Vec<String>) -> Result<SampleCsv, CsvError> {
        let error = |source| CsvError { path: path.to_owned(), source };
        let mut writer = csv::Writer::from_path(path).map_err(error)?;
        let mut header: Vec<String> = CLIENT_COLUMNS.iter().chain(&PROCESS_COLUMNS).map(|c| (*c).to_owned()).collect();
        header.extend(gpus.iter().map(|index| format!("gpu{index}_used_mib")));
        header.extend(metric_columns.iter().cloned());
        writer.write_record(&header).map_err(error)?;
        writer.flush().map_err(|e| error(e.into()))?;
        Ok(SampleCsv { path: path.to_owned(), writer, gpus: gpus.len(), metric_columns })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The metric columns, in order.
    pub fn metric_columns(&self) -> &[String] {
        &self.metric_columns
    }

    /// Appends `sample`'s row and flushes it.
    pub fn write(&mut self, sample: &Sample) -> Result<(), CsvError> {
        let error = |source| CsvError { path: self.path.clone(), source };
        let client = &sample.client;
        let errors: Vec<String> = client.errors.iter().map(|(class, n)| format!("{class}:{n}")).collect();
        let mut row: Vec<String> = vec![
            format!("{:.3}", sample.t_s),
            sample.in_flight.to_string(),
            client.sent.to_string(),
            client.completed.to_string(),
            client.failed.to_string(),
            errors.join(";"),
        ];
        for percentiles in [&client.ttft, &client.tpot, &client.itl, &client.e2el] {
            row.extend(percentile_cells(percentiles));
        }
        row.push(cell(client.dispatch_lag_p99_ms));
        let tree = sample.tree;
        row.push(tree.map_or_else(String::new, |t| t.processes.to_string()));
        row.push(cell(tree.map(|t| t.rss_mb)));
        row.push(tree.map_or_else(String::new, |t| t.fds.to_string()));
        row.push(tree.map_or_else(String::new, |t| t.threads.to_string()));
        row.push(cell(sample.gpu.as_ref().and_then(|g| g.processes_mib)));
        for index in 0..self.gpus {
            row.push(cell(sample.gpu.as_ref().and_then(|g| g.devices_mib.get(index).copied())));
        }
        for column in &self.metric_columns {
            row.push(cell(sample.metrics.as_ref().and_then(|m| prometheus::value(m, column))));
        }
        self.writer.write_record(&row).map_err(error)?;
        self.writer.flush().map_err(|e| error(e.into()))
    }
}

fn percentile_cells(p: &Percentiles) -> [String; 3] {
    [cell(p.p50), cell(p.p95), cell(p.p99)]
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::GpuUsage;
    use crate::soak::sample::TreeUsage;

    #[test]
    fn rows_follow_the_header_with_empty_cells_for_what_was_not_read() {
        let dir = std::env::temp_dir().join(format!("omnitest-soak-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("samples.csv");
        let mut csv = SampleCsv::create(&path, &[0, 3], vec!["vllm:num_preemptions".to_owned()]).unwrap();
        let mut sample = Sample { t_s: 1.5, in_flight: 4, ..Sample::default() };
        csv.write(&sample).unwrap();
        sample.tree = Some(TreeUsage { processes: 2, rss_mb: 100.25, fds: 30, threads: 9 });
        sample.gpu = Some(GpuUsage { devices_mib: vec![1000.0, 2000.0], processes_mib: None });
        sample.metrics = Some([("vllm:num_preemptions_total".to_owned(), 2.0)].into_iter().collect());
        csv.write(&sample).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header.len(), 19 + 5 + 2 + 1);
        assert_eq!(&header[header.len() - 3..], ["gpu0_used_mib", "gpu3_used_mib", "vllm:num_preemptions"]);
        assert!(lines[1].starts_with("1.500,4,0,0,0,,"), "{}", lines[1]);
        assert!(lines[2].ends_with(",2,100.250,30,9,,1000.000,2000.000,2.000"), "{}", lines[2]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
