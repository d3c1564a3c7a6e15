//! `octoperf calibration-server`: a server of known latency, to check the generator against.

use super::args::CalibrationOpts;
use super::wait_for_signal;
use crate::exit;
use crate::stack;

pub(super) async fn calibration_server(opts: &CalibrationOpts) -> u8 {
    let model = loadgen::calibration::Model {
        service: opts.service_time,
        stall: None,
    };
    let server = match loadgen::calibration::Server::start_on(opts.port, model, opts.cpu) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {error}", opts.port);
            return exit::ERROR;
        }
    };
    println!("{}{}", stack::LISTENING_PREFIX, server.addr);
    tokio::select! {
        () = wait_for_signal() => {}
        () = tokio::time::sleep(opts.lifetime) => {}
    }
    drop(server);
    exit::PASS
}
