using System.IO.Compression;
using System.Text;

namespace Berth.Registry.Tests.Conformance;

/// <summary>The suite's test data (section 0): configs with random authors, one gzip layer, manifests with odd fields.</summary>
public sealed class TestData
{
    public const string EmptyJsonDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    public const string EmptyJsonType = "application/vnd.oci.empty.v1+json";
    public const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string ConfigType = "application/vnd.oci.image.config.v1+json";
    public const string InvalidManifestName = ".INVALID_MANIFEST_NAME";

    public TestData(int seed = 1)
    {
        var random = new Random(seed);
        Configs = Enumerable.Range(0, 5).Select(i => OciClient.Utf8(
            $$"""{"author":"{{Hex(random, 16)}}","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]} }""")).ToArray();
        Layer = Gzip(Bytes(random, 300));
        Manifests = Configs.Select(Manifest).ToArray();
        EmptyLayersManifest = OciClient.Utf8(
            $$"""{"schemaVersion":2,"config":{"mediaType":"{{ConfigType}}","digest":"{{Digest(Configs[1])}}","size":{{Configs[1].Length}}},"layers":[]}""");
        BlobA = Bytes(random, 42);
        BlobB = Bytes(random, 1500);
    }

    public byte[][] Configs { get; }
    public byte[] Layer { get; }
    public byte[][] Manifests { get; }
    public byte[] EmptyLayersManifest { get; }
    public byte[] BlobA { get; }
    public byte[] BlobB { get; }
    public static byte[] EmptyJson { get; } = "{}"u8.ToArray();
    public static string DummyDigest { get; } = Digest(Encoding.UTF8.GetBytes("hello world"));

    public static string Digest(byte[] data) => RegistryFixture.DigestOf(data);

    /// <summary>An OCI image manifest whose config descriptor carries a data field and an unknown field, as the suite's do.</summary>
    public byte[] Manifest(byte[] config) => OciClient.Utf8(
        $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","config":{"mediaType":"{{ConfigType}}","digest":"{{Digest(config)}}","size":{{config.Length}},"data":"{{Convert.ToBase64String(config)}}","newUnspecifiedField":"x"},"layers":[{"mediaType":"{{LayerType}}","digest":"{{Digest(Layer)}}","size":{{Layer.Length}}}]}""");

    public static string Descriptor(string mediaType, byte[] content) =>
        $$"""{"mediaType":"{{mediaType}}","digest":"{{Digest(content)}}","size":{{content.Length}}}""";

    public static byte[] Bytes(Random random, int size)
    {
        var data = new byte[size];
        random.NextBytes(data);
        return data;
    }

    private static string Hex(Random random, int bytes) => Convert.ToHexStringLower(Bytes(random, bytes));

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }
}
