//! A provider stand-in for tests: an HTTP/1.1 server on 127.0.0.1 that answers each key as told
//! (any status, headers, body, or a hang) and records every request it receives. A key is
//! recognised wherever a provider expects it: a bearer token, a header of its own (`x-api-key`,
//! `api-key`, ...), an `Authorization` value with another scheme (`Token KEY`) or none.
#![allow(dead_code)]

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

/// One canned answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (a hang past the client's timeout).
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn hang(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

/// What the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Every header, lower-cased names.
    pub headers: HashMap<String, String>,
}

impl Seen {
    pub fn bearer(&self) -> Option<&str> {
        self.headers.get("authorization")?.strip_prefix("Bearer ")
    }

    /// Every value that could be the key: each header value, and its part after a scheme word.
    fn key_candidates(&self) -> impl Iterator<Item = &str> {
        self.bearer()
            .into_iter()
            .chain(self.headers.values().flat_map(|v| {
                std::iter::once(v.as_str()).chain(v.split_once(' ').map(|(_, rest)| rest))
            }))
    }
}

#[derive(Default)]
struct State {
    replies: HashMap<String, Reply>,
    requests: Vec<Seen>,
}

pub struct MockProvider {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl MockProvider {
    pub fn start() -> MockProvider {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = st.clone();
                thread::spawn(move || serve(stream, &st));
            }
        });
        MockProvider { port, state }
    }

    /// `http://127.0.0.1:PORT`, for `KEYHOUND_<PROVIDER>_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answer requests carrying `key` (as bearer token) with `reply`. Others get 401.
    pub fn answer(&self, key: &str, reply: Reply) {
        self.state
            .lock()
            .unwrap()
            .replies
            .insert(key.to_string(), reply);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let seen = Seen {
        method,
        path,
        headers,
    };
    let reply = {
        let mut st = state.lock().unwrap();
        st.requests.push(seen.clone());
        seen.key_candidates()
            .find_map(|k| st.replies.get(k).cloned())
            .unwrap_or_else(|| {
                Reply::new(
                    401,
                    r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}"#,
                )
            })
    };
    thread::sleep(reply.delay);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} Mock\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.body.as_bytes());
    let _ = out.flush();
}
