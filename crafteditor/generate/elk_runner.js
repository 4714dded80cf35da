// Lay out one ELK graph: ELK JSON on stdin, the laid-out graph as JSON on stdout.
//
//   node elk_runner.js /path/to/elkjs/lib/elk.bundled.js < graph.json
//
// Built into a V8 startup snapshot (node --snapshot-blob B --build-snapshot elk_runner.js,
// with CRAFTEDITOR_ELK_BUNDLE naming elk.bundled.js), ELK is loaded and warmed up once,
// when the snapshot is made, and `node --snapshot-blob B` then only lays out.
"use strict";
const fs = require("fs");
const v8 = require("v8");

function loadElk(bundle) {
  // evaluated by hand, not required: a snapshot may only require Node's own modules
  const mod = { exports: {} };
  new Function("module", "exports", "require", fs.readFileSync(bundle, "utf8"))(mod, mod.exports, require);
  return new mod.exports();
}

function fail(code, message) {
  process.stderr.write("elk runner: " + message + "\n");
  process.exitCode = code;
}

function serve(elk) {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", () => {
    let graph;
    try {
      graph = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (err) {
      return fail(3, "the input is not JSON: " + err.message);
    }
    elk.layout(graph)
      .then((laid) => process.stdout.write(JSON.stringify(laid)))
      .catch((err) => fail(4, err && err.message ? err.message : String(err)));
  });
}

const WARM_UP = {
  id: "root",
  layoutOptions: { "elk.algorithm": "layered", "elk.hierarchyHandling": "INCLUDE_CHILDREN",
                   "elk.edgeRouting": "ORTHOGONAL" },
  children: [{ id: "a", width: 40, height: 20 },
             { id: "g", children: [{ id: "b", width: 40, height: 20 }, { id: "c", width: 40, height: 20 }] }],
  edges: [{ id: "e1", sources: ["a"], targets: ["b"], labels: [{ text: "x", width: 8, height: 8 }] },
          { id: "e2", sources: ["b"], targets: ["c"] }, { id: "e3", sources: ["c"], targets: ["a"] }],
};

if (v8.startupSnapshot && v8.startupSnapshot.isBuildingSnapshot()) {
  const elk = loadElk(process.env.CRAFTEDITOR_ELK_BUNDLE);
  elk.layout(WARM_UP).then(() => {});
  v8.startupSnapshot.setDeserializeMainFunction(() => serve(elk));
} else {
  serve(loadElk(process.argv[2]));
}
