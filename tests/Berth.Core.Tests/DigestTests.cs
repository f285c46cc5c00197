using System.Text;
using System.Text.Json;
using Berth.Core.Digests;
using Xunit;

namespace Berth.Core.Tests;

public sealed class DigestTests
{
    [Fact]
    public void ComputesSha256OfBytesAndStreamsAlike()
    {
        var data = Encoding.ASCII.GetBytes("hello");
        var expected = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        Assert.Equal(expected, Digest.Compute(data).ToString());

        using var digesting = new DigestingStream(new MemoryStream(data));
        digesting.CopyTo(Stream.Null);
        Assert.Equal(expected, digesting.GetDigest().ToString());
        Assert.Equal(5, digesting.BytesProcessed);
    }

    [Theory]
    [InlineData("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", true)]
    [InlineData("sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", false)]
    [InlineData("sha256:2cf24dba", false)]
    [InlineData("md5:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", false)]
    [InlineData("sha256:../../../../etc/passwd0000000000000000000000000000000000000", false)]
    [InlineData("", false)]
    public void ParsesOnlyCanonicalSha256Digests(string text, bool valid)
    {
        Assert.Equal(valid, Digest.TryParse(text, out _));
    }

    [Fact]
    public void TravelsAsAStringInJson()
    {
        var digest = Digest.Compute("x"u8);
        var json = JsonSerializer.Serialize(digest, DigestJson.Default.Digest);
        Assert.Equal($"\"{digest}\"", json);
        Assert.Equal(digest, JsonSerializer.Deserialize(json, DigestJson.Default.Digest));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Digest))]
internal sealed partial class DigestJson : System.Text.Json.Serialization.JsonSerializerContext;
