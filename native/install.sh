#!/bin/sh
# Installs Booth on a Raspberry Pi OS Lite (64-bit) kiosk from a packaged
# artifact, with its systemd unit, PAM file, udev rules and `booth` command.
#
#   sudo native/install.sh booth-0.1.0-arm64.deb        (preferred)
#   sudo native/install.sh booth-0.1.0-arm64.AppImage
#   options: --no-enable        install but do not enable/start the kiosk service
#            --manifest FILE    the signed manifest.json (default: manifest.json beside the package)
#            --verify-only      check the package against its signed manifest, install nothing
#
# The package is installed only when a signed manifest vouches for it: signed
# by a key pinned in the app (resources/update-keys, or BOOTH_UPDATE_KEY_DIR),
# naming this file, its size and SHA-512, product booth and this machine's arch
# (`booth release sign` makes it; docs/operations.md, "Shipping a release").
#
# Run it from a checkout or from a copy of the native/ folder. It is safe to
# run again (updates). See docs/operations.md.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
APP_DIR=/opt/Booth
CONFIG_DIR=/etc/booth
CONFIG=$CONFIG_DIR/config.json
DATA_DIR=/var/lib/booth
KIOSK_USER=booth
ENABLE=1
PACKAGE=
MANIFEST=
VERIFY_ONLY=0
KEY_DIR=${BOOTH_UPDATE_KEY_DIR:-$HERE/../resources/update-keys}

say() { printf '%s\n' "booth-install: $*"; }
die() { printf '%s\n' "booth-install: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --no-enable) ENABLE=0 ;;
    --verify-only) VERIFY_ONLY=1 ;;
    --manifest) [ $# -ge 2 ] || die "--manifest needs a file"; MANIFEST=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) PACKAGE=$1 ;;
  esac
  shift
done

# The signed manifest must vouch for the package (as the kiosk's updater demands).
verify_package() {
  [ -n "$MANIFEST" ] || MANIFEST=$(dirname "$PACKAGE")/manifest.json
  [ -f "$MANIFEST" ] || die "no signed manifest for $PACKAGE ($MANIFEST is missing): only a file a fleet admin signed is installed (booth release sign)"
  command -v openssl >/dev/null || die "openssl is needed to check the manifest's signature (apt-get install openssl)"
  ls "$KEY_DIR"/*.pub >/dev/null 2>&1 || die "no pinned update keys in $KEY_DIR"
  vdir=$(mktemp -d)
  # Base64 and hex hold no spaces: the envelope without whitespace is one line.
  tr -d ' \n\r\t' < "$MANIFEST" > "$vdir/envelope"
  sed -n 's/.*"signed":"\([A-Za-z0-9+/=]*\)".*/\1/p' "$vdir/envelope" | base64 -d > "$vdir/signed" 2>/dev/null || true
  # One signature object a line; its two fields in either order (JSON's order means nothing).
  { sed 's/{/\n/g' "$vdir/envelope"; echo; } | while IFS= read -r obj; do
    k=$(printf '%s\n' "$obj" | sed -n 's/.*"keyId":"\([0-9a-fA-F]\{16\}\)".*/\1/p' | tr 'A-F' 'a-f')
    s=$(printf '%s\n' "$obj" | sed -n 's/.*"sig":"\([A-Za-z0-9+/=]*\)".*/\1/p')
    [ -n "$k" ] && [ -n "$s" ] && printf '%s %s\n' "$k" "$s"
  done > "$vdir/sigs" || true
  signer=
  # A key's id: the first 16 hex digits of SHA-256 over its raw 32 bytes (the end of its DER form).
  for pub in "$KEY_DIR"/*.pub; do
    id=$(openssl pkey -pubin -in "$pub" -outform DER 2>/dev/null | tail -c 32 | sha256sum | cut -c 1-16)
    sig=$(sed -n "s/^$id \(.*\)$/\1/p" "$vdir/sigs" | head -n 1)
    [ -n "$sig" ] || continue
    printf '%s' "$sig" | base64 -d > "$vdir/sig" 2>/dev/null || continue
    if openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -in "$vdir/signed" -sigfile "$vdir/sig" >/dev/null 2>&1; then signer=$id; break; fi
  done
  [ -n "$signer" ] || { rm -rf "$vdir"; die "refusing $PACKAGE: $MANIFEST is not signed by a key pinned in $KEY_DIR"; }
  # Any JSON spacing around the colon (the signed bytes are whatever the signer wrote); the values hold no spaces.
  field() { tr -d '\n' < "$vdir/signed" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\", }]*\)\"\{0,1\}[[:space:]]*[,}].*/\1/p"; }
  [ "$(field product)" = booth ] || die "refusing $PACKAGE: the manifest is for product $(field product)"
  [ "$(field file)" = "$(basename "$PACKAGE")" ] || die "refusing $PACKAGE: the manifest vouches for $(field file)"
  [ "$(field size)" = "$(wc -c < "$PACKAGE" | tr -d ' ')" ] || die "refusing $PACKAGE: its size is not the signed $(field size) bytes"
  [ "$(field sha512)" = "$(openssl dgst -sha512 -binary "$PACKAGE" | base64 -w 0)" ] || die "refusing $PACKAGE: its SHA-512 is not the one signed"
  case "$(field arch):$(uname -m)" in
    arm64:aarch64|x64:x86_64) ;;
    *) die "refusing $PACKAGE: it is signed for $(field arch), this machine is $(uname -m)" ;;
  esac
  say "$PACKAGE: signed by $signer, booth $(field version) for $(field arch), size and SHA-512 match"
  rm -rf "$vdir"
}

[ -n "$PACKAGE" ] || die "which package? usage: sudo $0 booth-<version>-arm64.deb|.AppImage"
[ -f "$PACKAGE" ] || die "$PACKAGE not found"
verify_package
[ "$VERIFY_ONLY" = 1 ] && exit 0
[ "$(id -u)" = 0 ] || die "run as root (sudo $0 ...)"
for f in booth-kiosk.service pam.d-booth-kiosk 99-booth-serial.rules booth booth-launcher; do
  [ -f "$HERE/$f" ] || die "$HERE/$f is missing (run this script from Booth's native/ folder)"
done

machine=$(uname -m)
case "$PACKAGE" in
  *arm64*|*aarch64*) [ "$machine" = aarch64 ] || die "$PACKAGE is for arm64 but this machine is $machine" ;;
  *x64*|*amd64*|*x86_64*) [ "$machine" = x86_64 ] || die "$PACKAGE is for x64 but this machine is $machine" ;;
esac

export DEBIAN_FRONTEND=noninteractive

# 1. The app: /opt/Booth/booth (Electron) and /opt/Booth/resources/app.asar.
case "$PACKAGE" in
  *.deb)
    say "installing $PACKAGE and its dependencies (apt)"
    apt-get update -qq || say "apt-get update failed (offline?); trying with the cached package lists"
    apt-get install -y --no-install-recommends cage kbd "$(cd "$(dirname "$PACKAGE")" && pwd)/$(basename "$PACKAGE")"
    ;;
  *.AppImage)
    say "installing the runtime libraries and cage (apt)"
    apt-get update -qq || say "apt-get update failed (offline?); trying with the cached package lists"
    apt-get install -y --no-install-recommends cage kbd libgtk-3-0 libnss3 libxss1 libxtst6 libatspi2.0-0 \
      libuuid1 libsecret-1-0 libgbm1 libdrm2 libasound2
    say "extracting $PACKAGE to $APP_DIR (no FUSE needed at run time)"
    work=$(mktemp -d)
    cp "$PACKAGE" "$work/booth.AppImage"
    chmod +x "$work/booth.AppImage"
    (cd "$work" && ./booth.AppImage --appimage-extract >/dev/null)
    [ -x "$work/squashfs-root/booth" ] || die "unexpected AppImage layout (no squashfs-root/booth)"
    rm -rf "$APP_DIR.new"
    mv "$work/squashfs-root" "$APP_DIR.new"
    rm -rf "$APP_DIR.old"
    [ -d "$APP_DIR" ] && mv "$APP_DIR" "$APP_DIR.old"
    mv "$APP_DIR.new" "$APP_DIR"
    rm -rf "$APP_DIR.old" "$work"
    chown -R root:root "$APP_DIR"
    chmod -R go-w "$APP_DIR"
    # Chromium's sandbox uses user namespaces (the unit's NoNewPrivileges rules out the setuid helper).
    chmod 0755 "$APP_DIR/chrome-sandbox"
    ln -sf "$APP_DIR/booth" /usr/bin/booth
    ;;
  *) die "$PACKAGE is neither a .deb nor an .AppImage" ;;
esac
[ -x "$APP_DIR/booth" ] || die "$APP_DIR/booth is missing after the install"

# 2. The kiosk user: no login shell, in the groups for the display (video, render)
#    only. Its serial devices are its own by the udev rules; touch and keyboard come
#    through its logind session: no dialout, input or audio group (an older install
#    added them; they are taken away again).
if ! id "$KIOSK_USER" >/dev/null 2>&1; then
  say "creating user $KIOSK_USER"
  useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin --user-group "$KIOSK_USER"
fi
for group in video render; do
  if getent group "$group" >/dev/null; then usermod -aG "$group" "$KIOSK_USER"; fi
done
for group in dialout input audio; do
  if id -nG "$KIOSK_USER" | tr ' ' '\n' | grep -qx "$group"; then gpasswd -d "$KIOSK_USER" "$group" >/dev/null; fi
done
# The unit's sandbox (NoNewPrivileges) leaves Chromium only user namespaces for its
# renderer sandbox: the kernel must let the kiosk user create them.
if ! runuser -u "$KIOSK_USER" -- unshare --user true 2>/dev/null; then
  die "the kernel does not allow unprivileged user namespaces, which Chromium's sandbox needs under booth-kiosk.service; enable them (sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0) and run this again"
fi

# 3. Config and data folders. The config (with the PIN hash) is root's, readable by the kiosk.
install -d -o root -g "$KIOSK_USER" -m 0750 "$CONFIG_DIR"
install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 "$DATA_DIR"
if [ -f "$CONFIG" ]; then chown root:"$KIOSK_USER" "$CONFIG" && chmod 0640 "$CONFIG"; fi

# 4. OS integration.
install -m 0644 "$HERE/booth-kiosk.service" /etc/systemd/system/booth-kiosk.service
install -m 0644 "$HERE/pam.d-booth-kiosk" /etc/pam.d/booth-kiosk
if [ -f /etc/udev/rules.d/99-booth-serial.rules ] && ! grep -q SCANNER_VID /etc/udev/rules.d/99-booth-serial.rules; then
  say "keeping your edited /etc/udev/rules.d/99-booth-serial.rules (template: $HERE/99-booth-serial.rules)"
else
  install -m 0644 "$HERE/99-booth-serial.rules" /etc/udev/rules.d/99-booth-serial.rules
fi
install -m 0755 "$HERE/booth" /usr/local/bin/booth
install -d -m 0755 /usr/local/lib/booth
install -m 0755 "$HERE/booth-launcher" /usr/local/lib/booth/booth-launcher
udevadm control --reload-rules || true
udevadm trigger --subsystem-match=tty || true
systemctl daemon-reload

if [ "$ENABLE" = 1 ]; then
  systemctl enable booth-kiosk.service
  systemctl restart booth-kiosk.service || say "the kiosk did not start: journalctl -u booth-kiosk -b"
fi

say "installed Booth in $APP_DIR"
cat <<EOT

Next steps (docs/operations.md):
  1. Config:   put this kiosk's config at $CONFIG (reference: docs/config.md), then
               sudo chown root:$KIOSK_USER $CONFIG && sudo chmod 0640 $CONFIG
               Without it the kiosk shows "not configured".
  2. PIN:      sudo booth set-pin --config $CONFIG
  3. Devices:  edit /etc/udev/rules.d/99-booth-serial.rules (USB ids of the scanner and hopper),
               then: sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=tty
  4. Restart:  sudo systemctl restart booth-kiosk      Logs: journalctl -u booth-kiosk -f
EOT
