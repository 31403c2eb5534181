//! `jixiao serve [DIR]`: builds, then serves a live preview on this machine (127.0.0.1 unless
//! `--host` says otherwise) that follows every save. See [`crate::serve`].

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub build: super::build::Args,
    /// 端口（0 表示任选一个空闲端口）
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// 监听的地址；默认只有本机能访问。写 0.0.0.0 则同一网络中的其他电脑也能访问
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// 另外允许的主机名（可写多次），如本机在局域网中的名字 mypc.local；
    /// 不在其中的名字一律拒绝（防止别的网页借 DNS 重绑定读取预览）
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_host: Vec<String>,
}

pub fn run(args: &Args) -> ExitCode {
    let ws = args.build.workspace();
    let listen = crate::serve::Listen {
        host: args.host.clone(),
        port: args.port,
        allow_hosts: args.allow_host.clone(),
    };
    let result = crate::serve::run(ws, args.build.build_options(), &listen, |url| {
        eprintln!("预览地址：{url}  （保存数据或模板后页面自动刷新；按 Ctrl+C 退出）");
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}
