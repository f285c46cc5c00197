using Berth.Core.Errors;
using Berth.Core.References;
using Xunit;

namespace Berth.Core.Tests;

/// <summary>docker's reference normalisation (distribution/reference ParseNormalizedNamed) and its error texts.</summary>
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", null, "docker.io/library/busybox", "busybox")]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("user/app:v1", "docker.io", "user/app", "v1", "docker.io/user/app:v1", "user/app:v1")]
    [InlineData("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("index.docker.io/library/busybox", "docker.io", "library/busybox", null, "docker.io/library/busybox", "busybox")]
    [InlineData("localhost:5000/team/app:dev", "localhost:5000", "team/app", "dev", "localhost:5000/team/app:dev", "localhost:5000/team/app:dev")]
    [InlineData("localhost/app", "localhost", "app", null, "localhost/app", "localhost/app")]
    [InlineData("registry.example.com/a/b/c", "registry.example.com", "a/b/c", null, "registry.example.com/a/b/c", "registry.example.com/a/b/c")]
    [InlineData("library/busybox/extra:tag", "docker.io", "library/busybox/extra", "tag", "docker.io/library/busybox/extra:tag", "library/busybox/extra:tag")]
    public void NormalisesLikeDocker(string input, string domain, string path, string? tag, string full, string familiar)
    {
        var reference = ImageReference.Parse(input);
        Assert.Equal(domain, reference.Domain);
        Assert.Equal(path, reference.Path);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(full, reference.ToString());
        Assert.Equal(familiar, reference.ToFamiliarString());
    }

    [Fact]
    public void DigestReferencesKeepTheDigestAndAnOptionalTag()
    {
        const string hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var byDigest = ImageReference.Parse($"busybox@sha256:{hex}");
        Assert.Null(byDigest.Tag);
        Assert.Equal($"sha256:{hex}", byDigest.Digest.ToString());
        Assert.Equal($"busybox@sha256:{hex}", byDigest.ToFamiliarString());

        var both = ImageReference.Parse($"localhost:5000/app:v2@sha256:{hex}");
        Assert.Equal("v2", both.Tag);
        Assert.Equal($"localhost:5000/app:v2@sha256:{hex}", both.ToString());
    }

    [Fact]
    public void DefaultTagIsLatestOnlyWithoutTagOrDigest()
    {
        Assert.Equal("busybox:latest", ImageReference.Parse("busybox").WithDefaultTag().ToFamiliarString());
        Assert.Equal("busybox:1", ImageReference.Parse("busybox:1").WithDefaultTag().ToFamiliarString());
    }

    [Theory]
    [InlineData("", "invalid reference format")]
    [InlineData("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase")]
    [InlineData("busybox:", "invalid reference format")]
    [InlineData("busy box", "invalid reference format")]
    [InlineData("-busybox", "invalid reference format")]
    [InlineData("busybox:tag with space", "invalid reference format")]
    [InlineData("busybox@sha256:123", "invalid reference format")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "invalid repository name (0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef), cannot specify 64-byte hexadecimal strings")]
    public void RefusesInvalidReferencesWithDockersMessages(string input, string message)
    {
        var error = Assert.Throws<InvalidParameterException>(() => ImageReference.Parse(input));
        Assert.Equal(message, error.Message);
        Assert.False(ImageReference.TryParse(input, out _));
    }

    [Fact]
    public void TagsAreValidated()
    {
        var reference = ImageReference.Parse("busybox");
        Assert.Equal("busybox:v1.2_3-x", reference.WithTag("v1.2_3-x").ToFamiliarString());
        Assert.Throws<InvalidParameterException>(() => reference.WithTag("-bad"));
        Assert.Throws<InvalidParameterException>(() => reference.WithTag(new string('a', 129)));
    }

    [Fact]
    public void NamesLongerThan255CharactersAreRefused()
    {
        var error = Assert.Throws<InvalidParameterException>(() => ImageReference.Parse("a/" + new string('b', 260)));
        Assert.Contains("255", error.Message);
    }
}
