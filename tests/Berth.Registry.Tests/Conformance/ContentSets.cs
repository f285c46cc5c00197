using System.Text;

namespace Berth.Registry.Tests.Conformance;

/// <summary>One manifest of a content set: its bytes, media type, optional tag and subject.</summary>
public sealed record SetManifest(string Label, byte[] Bytes, string MediaType, string? Tag = null, string? Subject = null, string? ArtifactType = null)
{
    public string Digest => TestData.Digest(Bytes);
}

/// <summary>A content set of the rewritten suite: blobs to push, then manifests in push order (children first).</summary>
public sealed record ContentSet(string Name, List<byte[]> Blobs, List<SetManifest> Manifests);

/// <summary>The Appendix A content sets, built small.</summary>
public static class ContentSets
{
    public static readonly string[] Names =
    [
        "image-gzip", "image-uncompressed", "large-manifest", "multi-platform-index", "index-of-indexes", "empty-index", "artifact",
        "artifact-index", "artifact-empty-layer", "subject-tagged", "subject-untagged", "index-with-subject", "subject-missing",
        "data-field", "non-distributable", "custom-fields", "no-layers", "docker-schema2", "docker-manifest-list",
    ];

    public static ContentSet Build(string name)
    {
        var random = new Random(name.GetHashCode(StringComparison.Ordinal) & 0x7fff);
        var config = Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","author":"{{name}}","rootfs":{"type":"layers","diff_ids":[]} }""");
        var layer = TestData.Bytes(random, 512);
        var blobs = new List<byte[]> { config, layer, TestData.EmptyJson };
        string Config(string type = TestData.ConfigType) => TestData.Descriptor(type, config);
        string Layer(string type = TestData.LayerType) => TestData.Descriptor(type, layer);
        string Empty() => TestData.Descriptor(TestData.EmptyJsonType, TestData.EmptyJson);
        SetManifest Image(string label, string? tag = "latest", string layers = "", string extra = "", string mediaType = OciClient.OciManifest,
            string configDescriptor = "") =>
            new(label, Encoding.UTF8.GetBytes(
                $$"""{"schemaVersion":2,"mediaType":"{{mediaType}}","config":{{(configDescriptor.Length > 0 ? configDescriptor : Config())}},"layers":[{{(layers.Length > 0 ? layers : Layer())}}]{{extra}} }"""),
                mediaType, tag);
        SetManifest Index(string label, string? tag, IEnumerable<(SetManifest Child, string Platform)> children, string extra = "",
            string mediaType = OciClient.OciIndex) =>
            new(label, Encoding.UTF8.GetBytes(
                $$"""{"schemaVersion":2,"mediaType":"{{mediaType}}","manifests":[{{string.Join(",", children.Select(c =>
                    $$"""{"mediaType":"{{c.Child.MediaType}}","digest":"{{c.Child.Digest}}","size":{{c.Child.Bytes.Length}}{{c.Platform}} }"""))}}]{{extra}} }"""),
                mediaType, tag);
        string Platform(string arch) => $$""","platform":{"architecture":"{{arch}}","os":"linux"}""";
        string SubjectOf(SetManifest m) => $$""","subject":{"mediaType":"{{m.MediaType}}","digest":"{{m.Digest}}","size":{{m.Bytes.Length}}}""";
        const string artifactType = "application/vnd.example.sbom";
        SetManifest Artifact(string label, string? tag, string extra = "") =>
            new(label, Encoding.UTF8.GetBytes(
                $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","artifactType":"{{artifactType}}","config":{{Empty()}},"layers":[{{Layer("application/vnd.example.data")}}]{{extra}} }"""),
                OciClient.OciManifest, tag, ArtifactType: artifactType);

        switch (name)
        {
            case "image-gzip":
                return new(name, blobs, [Image("image")]);
            case "image-uncompressed":
                return new(name, blobs, [Image("image", layers: Layer("application/vnd.oci.image.layer.v1.tar"))]);
            case "large-manifest":
            {
                // About 3.9 MB of annotations, under the 4 MiB limit.
                var annotations = string.Join(",", Enumerable.Range(0, 39).Select(i => $"\"a{i}\":\"{new string('x', 100_000)}\""));
                return new(name, blobs, [Image("large", extra: $$""","annotations":{{{annotations}}}""")]);
            }
            case "multi-platform-index":
            {
                var amd64 = Image("amd64", null);
                var arm64 = Image("arm64", null, extra: ""","annotations":{"arch":"arm64"}""");
                return new(name, blobs, [amd64, arm64, Index("index", "latest", [(amd64, Platform("amd64")), (arm64, Platform("arm64"))])]);
            }
            case "index-of-indexes":
            {
                var image = Image("image", null);
                var inner = Index("inner", null, [(image, Platform("amd64"))]);
                return new(name, blobs, [image, inner, Index("outer", "latest", [(inner, "")])]);
            }
            case "empty-index":
                return new(name, blobs, [Index("empty", "latest", [])]);
            case "artifact":
                return new(name, blobs, [Artifact("artifact", "latest")]);
            case "artifact-index":
            {
                var artifact = Artifact("artifact", null);
                return new(name, blobs, [artifact, Index("index", "latest", [(artifact, "")], $$""","artifactType":"{{artifactType}}" """)]);
            }
            case "artifact-empty-layer":
                return new(name, blobs, [new("artifact", Encoding.UTF8.GetBytes(
                    $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","artifactType":"{{artifactType}}","config":{{Empty()}},"layers":[{{Empty()}}]}"""),
                    OciClient.OciManifest, "latest", ArtifactType: artifactType)]);
            case "subject-tagged" or "subject-untagged":
            {
                var image = Image("image");
                var referrer = Artifact("referrer", name == "subject-tagged" ? "sbom" : null, SubjectOf(image) + ""","annotations":{"org.example.kind":"sbom"}""");
                return new(name, blobs, [image, referrer with { Subject = image.Digest }]);
            }
            case "index-with-subject":
            {
                var image = Image("image");
                var child = Artifact("child", null);
                var index = Index("index", null, [(child, "")], $$""","artifactType":"{{artifactType}}"{{SubjectOf(image)}}""");
                return new(name, blobs, [image, child, index with { Subject = image.Digest, ArtifactType = artifactType }]);
            }
            case "subject-missing":
            {
                var absent = Image("absent");
                var referrer = Artifact("referrer", null, SubjectOf(absent));
                return new(name, blobs, [referrer with { Subject = absent.Digest }]);
            }
            case "data-field":
                return new(name, blobs, [Image("image", configDescriptor:
                    $$"""{"mediaType":"{{TestData.ConfigType}}","digest":"{{TestData.Digest(config)}}","size":{{config.Length}},"data":"{{Convert.ToBase64String(config)}}"}""")]);
            case "non-distributable":
            {
                var foreign = TestData.Bytes(random, 64);
                return new(name, blobs, [Image("image", layers: Layer() +
                    $$""",{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip","digest":"{{TestData.Digest(foreign)}}","size":64,"urls":["https://example.invalid/layer"]}""")]);
            }
            case "custom-fields":
                return new(name, blobs, [Image("image", configDescriptor: Config()[..^1] + ""","org.example.custom":{"x":[1,2]}}""",
                    extra: ""","org.example.custom":true,"x-list":[null,1,"two"]""")]);
            case "no-layers":
                return new(name, blobs, [new("image", Encoding.UTF8.GetBytes(
                    $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","config":{{Config()}},"layers":[]}"""), OciClient.OciManifest, "latest")]);
            case "docker-schema2":
                return new(name, blobs, [Image("image", mediaType: OciClient.DockerManifest,
                    configDescriptor: Config("application/vnd.docker.container.image.v1+json"),
                    layers: Layer("application/vnd.docker.image.rootfs.diff.tar.gzip"))]);
            case "docker-manifest-list":
            {
                var image = Image("image", null, mediaType: OciClient.DockerManifest,
                    configDescriptor: Config("application/vnd.docker.container.image.v1+json"),
                    layers: Layer("application/vnd.docker.image.rootfs.diff.tar.gzip"));
                return new(name, blobs, [image, Index("list", "latest", [(image, Platform("amd64"))], mediaType: OciClient.DockerManifestList)]);
            }
            default:
                throw new ArgumentException(name);
        }
    }
}
