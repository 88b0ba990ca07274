import VigilDetect

extension IsolationForest: ONNXScoring {
    /// The forest as one `TreeEnsembleRegressor` (`ai.onnx.ml`): every split `x[f] < t` a
    /// `BRANCH_LT` node (true: the left child), every leaf a target of weight
    /// `depth + c(size)`, summed over the trees; then `s = 2^(−sum / (trees · c(ψ)))`, as
    /// ``VigilDetect/IsolationForest`` scores.
    func emitScores(of x: String, into graph: inout ONNXGraph, latent: LatentScoring) throws -> (instance: String, feature: String?) {
        guard let forest else { throw ONNXExportError.unfitted(kind: Self.kind, missing: "trees") }
        var nodes = (tree: [Int](), id: [Int](), feature: [Int](), value: [Float](), mode: [String](), yes: [Int](), no: [Int]())
        var targets = (tree: [Int](), id: [Int](), weight: [Float]())
        for (tree, root) in forest.roots.enumerated() {
            // Local ids in visiting order; children point forward in the table, so the walk ends.
            var local = [Int](repeating: -1, count: forest.feature.count)
            var pending = [(node: Int(root), depth: 0)]
            var order: [(node: Int, depth: Int)] = []
            while let next = pending.popLast() {
                local[next.node] = order.count
                order.append(next)
                if forest.feature[next.node] >= 0 {
                    pending.append((Int(forest.right[next.node]), next.depth + 1))
                    pending.append((Int(forest.left[next.node]), next.depth + 1))
                }
            }
            for (node, depth) in order {
                nodes.tree.append(tree)
                nodes.id.append(local[node])
                if forest.feature[node] >= 0 {
                    nodes.feature.append(Int(forest.feature[node]))
                    nodes.value.append(forest.threshold[node])
                    nodes.mode.append("BRANCH_LT")
                    nodes.yes.append(local[Int(forest.left[node])])
                    nodes.no.append(local[Int(forest.right[node])])
                } else {
                    nodes.feature.append(0)
                    nodes.value.append(0)
                    nodes.mode.append("LEAF")
                    nodes.yes.append(0)
                    nodes.no.append(0)
                    targets.tree.append(tree)
                    targets.id.append(local[node])
                    targets.weight.append(Float(Double(depth) + Self.averagePathLength(Int(forest.size[node]))))
                }
            }
        }
        let sum = graph.within("forest") { graph in
            graph.node(
                "TreeEnsembleRegressor", [x],
                attributes: [
                    ONNXGraph.attribute("n_targets", 1), ONNXGraph.attribute("aggregate_function", string: "SUM"),
                    ONNXGraph.attribute("post_transform", string: "NONE"),
                    ONNXGraph.attribute("nodes_treeids", ints: nodes.tree), ONNXGraph.attribute("nodes_nodeids", ints: nodes.id),
                    ONNXGraph.attribute("nodes_featureids", ints: nodes.feature), ONNXGraph.attribute("nodes_values", floats: nodes.value),
                    ONNXGraph.attribute("nodes_modes", strings: nodes.mode), ONNXGraph.attribute("nodes_truenodeids", ints: nodes.yes),
                    ONNXGraph.attribute("nodes_falsenodeids", ints: nodes.no),
                    ONNXGraph.attribute("target_treeids", ints: targets.tree), ONNXGraph.attribute("target_nodeids", ints: targets.id),
                    ONNXGraph.attribute("target_ids", ints: Array(repeating: 0, count: targets.id.count)),
                    ONNXGraph.attribute("target_weights", floats: targets.weight),
                ],
                domain: ONNXExport.mlDomain)[0]
        }
        let normaliser = Double(forest.roots.count) * Self.depthNormaliser(samplesPerTree: forest.samplesPerTree)
        let exponent = graph.apply("Mul", graph.reshape(sum, [-1]), graph.scalar("forest.scale", Float(-1 / normaliser)))
        return (graph.apply("Pow", graph.scalar("forest.two", 2), exponent), nil)
    }
}
