#!/usr/bin/env bash
# Makes what a clerk installs without a Rust toolchain (x86_64 Linux):
#   jixiao_<版本>_amd64.deb            — Debian, Ubuntu, UOS/统信, Kylin/麒麟 …: sudo apt install ./jixiao_*.deb
#   jixiao-<版本>-x86_64-linux.tar.gz  — unpack anywhere, put bin/ on PATH
# Both hold the binary (with the official styles embedded), the styles as files, the man pages,
# shell completions (bash, zsh, fish) and the documentation. The package recommends
# fonts-noto-cjk (Chinese fonts); the tarball's INSTALL.txt says how to get them.
#
# Usage: packaging/build.sh [--binary PATH] [--out DIR] [--fast]
#   --binary  package this jixiao instead of building `cargo build --release --locked`
#   --out     where the two files go (default: target/package)
#   --fast    lighter compression (for tests)
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/package
bin=""
level=9
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --fast) level=1; shift ;;
    *) echo "用法：packaging/build.sh [--binary 路径] [--out 目录] [--fast]" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then
  cargo build --release --locked
  bin=${CARGO_TARGET_DIR:-target}/release/jixiao
fi
[ -x "$bin" ] || { echo "错误：找不到可执行的 $bin" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
# The newest C library symbol version the binary needs (its .dynstr names them).
glibc=$(grep -ao 'GLIBC_2\.[0-9]*' "$bin" | sed 's/GLIBC_//' | sort -V | tail -1)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# One tree, laid out as /usr: the package installs it there, the tarball carries it as is.
tree=$stage/tree
install -d "$tree/bin" "$tree/share/jixiao" "$tree/share/man/man1" "$tree/share/doc/jixiao" \
  "$tree/share/bash-completion/completions" "$tree/share/zsh/vendor-completions" \
  "$tree/share/fish/vendor_completions.d"
install -m755 "$bin" "$tree/bin/jixiao"
if command -v strip >/dev/null; then strip --strip-unneeded "$tree/bin/jixiao"; fi
cp -R templates "$tree/share/jixiao/templates"
"$tree/bin/jixiao" manpages "$tree/share/man/man1"
gzip -9n "$tree"/share/man/man1/*.1
"$tree/bin/jixiao" completions bash > "$tree/share/bash-completion/completions/jixiao"
"$tree/bin/jixiao" completions zsh > "$tree/share/zsh/vendor-completions/_jixiao"
"$tree/bin/jixiao" completions fish > "$tree/share/fish/vendor_completions.d/jixiao.fish"
cp README.md "$tree/share/doc/jixiao/"
cp -R docs "$tree/share/doc/jixiao/docs"
printf 'jixiao %s\nLicense: MIT\n' "$version" > "$tree/share/doc/jixiao/copyright"
# Files of one version carry one date, so the same input gives the same archive.
stamp=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
find "$tree" -exec touch -h -d "@$stamp" {} +

# The Debian package.
deb=$stage/deb
install -d "$deb/DEBIAN" "$deb/usr"
cp -a "$tree/." "$deb/usr/"
size=$(du -sk "$deb/usr" | cut -f1)
cat > "$deb/DEBIAN/control" <<CONTROL
Package: jixiao
Version: $version
Architecture: amd64
Maintainer: jixiao <jixiao@users.noreply.github.com>
Depends: libc6 (>= $glibc), libgcc-s1, zlib1g
Recommends: fonts-noto-cjk
Suggests: git
Section: utils
Priority: optional
Installed-Size: $size
Description: 预算绩效表：校验 YAML 源数据，生成可打印的 PDF 与 xlsx
 jixiao 把部门的项目支出绩效目标、自评数据（YAML）像编译器一样逐条校验，
 并生成各地官方版式的 PDF 与 xlsx 表格。内置官方样式，安装后即可使用：
 jixiao init 项目目录 → jixiao new 部门全称 --style 样式 --year 年度 → jixiao build。
CONTROL
dpkg-deb --root-owner-group -Zgzip -z"$level" --build "$deb" "$out/jixiao_${version}_amd64.deb" >/dev/null

# The tarball.
name=jixiao-$version-x86_64-linux
cp -a "$tree" "$stage/$name"
cat > "$stage/$name/INSTALL.txt" <<INSTALL
jixiao $version（x86_64 Linux，需要 glibc $glibc 或更新）

1. 解压到任意目录，例如 ~/jixiao：   tar -xzf $name.tar.gz -C ~ && mv ~/$name ~/jixiao
2. 把 bin 加入 PATH：                echo 'export PATH=\$HOME/jixiao/bin:\$PATH' >> ~/.bashrc
3. 安装中文字体（没有时 PDF 无法排版）：sudo apt install fonts-noto-cjk
4. 试一试：jixiao init 我的项目 && cd 我的项目 && jixiao new 某某局 --style xinjiang --year 2025

手册：man -l share/man/man1/jixiao.1.gz；命令补全：share/bash-completion/completions/jixiao
INSTALL
touch -h -d "@$stamp" "$stage/$name/INSTALL.txt" "$stage/$name"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$stamp" \
  -cf - "$name" | gzip -"$level"n > "$out/$name.tar.gz"

echo "已生成："
echo "  $out/jixiao_${version}_amd64.deb"
echo "  $out/$name.tar.gz"
