#!/usr/bin/env bash
# The Belgium-to-Brazil journey of one container scan, through the scanx command line.
#
#   bash cli/demo.sh [SCANX_BINARY] [OUTPUT_FOLDER]     (make demo-cli builds and runs it)
#
# A scanner in Antwerp captures a dual-energy scan and signs it; a Belgian analyst
# annotates it; the Belgian export desk removes the personal data and the driver's cab,
# and hands the file to Brazil's customs service; Brazil verifies it against its own trust
# store, countersigns its receipt, and exports pictures. Every key here is made fresh.
set -euo pipefail

scanx=${1:-target/release/scanx}
out=${2:-target/demo}
[ -x "$scanx" ] || { echo "error: $scanx is not built (cargo build --release -p scanx-cli)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/keys" "$out/inputs"
start=$(date +%s.%N)

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ scanx %s\n' "$*"; "$scanx" "$@"; }

BE="General Administration of Customs and Excise"
BR="Receita Federal do Brasil"

step "1. Keys: the Antwerp scanner, a Belgian analyst, the Belgian export desk, Brazil's customs"
run keygen "$out/keys/be-scanner"
run keygen "$out/keys/be-analyst"
run keygen "$out/keys/be-export-desk"
run keygen "$out/keys/br-customs"

step "2. Brazil's trust store: which keys it trusts, and for which roles"
run trust add --store "$out/br-truststore.json" --public-key "$out/keys/be-scanner.public.pem" \
    --agency "$BE" --country BE --role scanner --not-before 2026-01-01T00:00:00Z --not-after 2030-01-01T00:00:00Z
run trust add --store "$out/br-truststore.json" --public-key "$out/keys/be-analyst.public.pem" \
    --agency "$BE" --country BE --role analyst
run trust add --store "$out/br-truststore.json" --public-key "$out/keys/be-export-desk.public.pem" \
    --agency "$BE" --country BE --role agency
run trust add --store "$out/br-truststore.json" --public-key "$out/keys/br-customs.public.pem" \
    --agency "$BR" --country BR --role recipient

step "3. The scanner's raw channels: a synthetic 6000 x 2000 dual-energy scan (16-bit .npy)"
run synthetic -o "$out/inputs" --width 6000 --height 2000 --seed 2026

step "4. The scanner writes and signs the scan (capture event, scanner signature)"
slope=0.0000152587890625  # 1/65536: samples are transmission in [0, 1)
run create -o "$out/1-captured.scx" \
    --metadata "$out/inputs/metadata.json" --personal-data "$out/inputs/personal-data.json" \
    --plane "$out/inputs/high.npy,name=side high energy (6 MeV),view=side,channel=high-energy,spacing=5,slope=$slope,window=0.5:1" \
    --plane "$out/inputs/low.npy,name=side low energy (4 MeV),view=side,channel=low-energy,spacing=5,slope=$slope,window=0.4:0.8" \
    --key "$out/keys/be-scanner.private.pem" --role scanner --time 2026-03-01T08:20:00Z

step "5. A Belgian analyst marks a suspicious area and signs the annotation"
cat > "$out/findings.json" <<'EOF'
[{"id": "3c1b9f2e-7d4a-4e8b-9f10-2a3b4c5d6e7f", "plane": 0,
  "geometry": {"type": "box", "x": 2400, "y": 1150, "width": 1400, "height": 400},
  "category": "narcotics", "label": "dense block among the pallets",
  "confidence": 0.8, "source": "operator", "created": "2026-03-01T09:30:00Z"}]
EOF
run annotate "$out/1-captured.scx" -o "$out/2-annotated.scx" --annotations "$out/findings.json" \
    --key "$out/keys/be-analyst.private.pem" --role analyst --agency "BE:$BE" --time 2026-03-01T09:30:00Z

step "6. The export desk removes the personal data and the driver's cab (both channels)"
run redact "$out/2-annotated.scx" -o "$out/3-redacted.scx" --personal-data \
    --region 0:0,0,700,2000 --region 1:0,0,700,2000 \
    --reason "personal data and driver's cab removed before export (BE-BR data sharing agreement, art. 4)" \
    --key "$out/keys/be-export-desk.private.pem" --role agency --agency "BE:$BE" --time 2026-03-02T09:00:00Z

step "7. The export desk records the transfer to Brazil and signs it"
run transfer "$out/3-redacted.scx" -o "$out/4-sent-to-brazil.scx" --to "BR:$BR" \
    --key "$out/keys/be-export-desk.private.pem" --role agency --time 2026-03-02T09:05:00Z

step "8. Brazil verifies what it received against its own trust store"
run verify "$out/4-sent-to-brazil.scx" --trust "$out/br-truststore.json"
echo "exit code $? (0: TRUSTED)"
echo "only the cab's region, reading nothing else of the pixels:"
run verify "$out/4-sent-to-brazil.scx" --trust "$out/br-truststore.json" --region 0:0,0,700,2000 \
    | grep -E '^(status|region)'
echo "only the analyst's box:"
run verify "$out/4-sent-to-brazil.scx" --trust "$out/br-truststore.json" --region 0:2400,1150,1400,400 \
    | grep -E '^(status|region)'

step "9. Brazil countersigns its receipt; the file is still TRUSTED"
run sign "$out/4-sent-to-brazil.scx" -o "$out/5-received.scx" --role recipient --agency "BR:$BR" \
    --note "received intact by Receita Federal, Santos" \
    --key "$out/keys/br-customs.private.pem" --time 2026-03-03T14:00:00Z
echo '$ scanx verify '"$out/5-received.scx"' --trust '"$out/br-truststore.json"' | head -1'
"$scanx" verify "$out/5-received.scx" --trust "$out/br-truststore.json" > "$out/5-received.verify.txt"
head -1 "$out/5-received.verify.txt"

step "10. A byte flipped in transit is caught"
cp "$out/5-received.scx" "$out/tampered.scx"
size=$(wc -c < "$out/tampered.scx")
at=$((size / 2))
byte=$(dd if="$out/tampered.scx" bs=1 skip="$at" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 1)))" | dd of="$out/tampered.scx" bs=1 seek="$at" count=1 conv=notrunc 2>/dev/null
set +e
"$scanx" verify "$out/tampered.scx" --trust "$out/br-truststore.json" > "$out/tampered.verify.txt"
code=$?
set -e
echo "tampered copy: $(head -1 "$out/tampered.verify.txt"), exit code $code (3: INVALID); $(grep -c DIGEST_MISMATCH "$out/tampered.verify.txt" || true) digest mismatch(es)"

step "11. Pictures: a preview through the display window, and the dual-energy material preview"
run export "$out/5-received.scx" -o "$out/preview.png" --format preview --plane 0
run export "$out/5-received.scx" -o "$out/material.png" --format material
run export "$out/5-received.scx" -o "$out/metadata.json" --format metadata

step "12. What Brazil holds: the summary and the provenance timeline"
run info "$out/5-received.scx"

end=$(date +%s.%N)
step "Summary"
cat <<EOF
files in $out:
  1-captured.scx .. 5-received.scx   each edit a new file, every input left untouched
  br-truststore.json                 Brazil's trust store (4 keys)
  preview.png, material.png          pictures of the redacted scan
  tampered.scx                       a copy with one byte flipped: INVALID
sizes: $(wc -c < "$out/1-captured.scx") bytes captured, $(wc -c < "$out/5-received.scx") bytes received
time: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s for the whole journey
EOF
