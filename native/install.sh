#!/bin/sh
# Installs Booth on a Raspberry Pi OS Lite (64-bit) kiosk from a packaged
# artifact, with its systemd unit, PAM file, udev rules and `booth` command.
#
#   sudo native/install.sh booth-0.1.0-arm64.deb        (preferred)
#   sudo native/install.sh booth-0.1.0-arm64.AppImage
#   options: --no-enable   install but do not enable/start the kiosk service
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

say() { printf '%s\n' "booth-install: $*"; }
die() { printf '%s\n' "booth-install: $*" >&2; exit 1; }

for arg in "$@"; do
  case "$arg" in
    --no-enable) ENABLE=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) die "unknown option $arg" ;;
    *) PACKAGE=$arg ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run as root (sudo $0 ...)"
[ -n "$PACKAGE" ] || die "which package? usage: sudo $0 booth-<version>-arm64.deb|.AppImage"
[ -f "$PACKAGE" ] || die "$PACKAGE not found"
for f in booth-kiosk.service pam.d-booth-kiosk 99-booth-serial.rules booth; do
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
