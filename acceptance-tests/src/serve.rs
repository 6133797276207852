//! Serving a fake on 127.0.0.1 from its own thread and runtime, until dropped.

/// A server on a free port of 127.0.0.1, from its own thread; dropping it stops the server.
pub struct Served {
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Binds a free port and serves the axum `app` on it from a thread of its own.
    pub fn start(app: axum::Router) -> Served {
        Served::start_with(|listener, stop| async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await;
        })
    }

    /// Binds a free port and runs `serve` (any server: axum, tonic) on it from a thread of its
    /// own; `serve` ends when its `stop` receiver fires, which dropping the result does.
    pub fn start_with<F, Fut>(serve: F) -> Served
    where
        F: FnOnce(tokio::net::TcpListener, tokio::sync::oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        Served::start_on(0, serve)
    }

    /// [`Served::start_with`] on `port` of 127.0.0.1 (0: a free one).
    pub fn start_on<F, Fut>(port: u16, serve: F) -> Served
    where
        F: FnOnce(tokio::net::TcpListener, tokio::sync::oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                serve(listener, rx).await;
            });
        });
        Served {
            url,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
