using Berth.Core.Digests;

namespace Berth.Layers.Tests;

public class ChainIdTests
{
    private static readonly Digest D0 = Digest.Parse("sha256:4fbec69b941195fd56f8212a5000e304129451d82efca94ff0e0fb2d5355472e");
    private static readonly Digest D1 = Digest.Parse("sha256:77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2");
    private static readonly Digest D2 = Digest.Parse("sha256:95cf1a2e1698fe3ca1fcc3f653119146b271d0b62e487ec264441e886a11bd06");

    [Fact]
    public void BaseLayerChainIdIsItsDiffId() => Assert.Equal(D0, ChainIds.Compute(null, D0));

    [Fact]
    public void MatchesVectorsComputedWithSha256sum()
    {
        // printf 'sha256:<d0> sha256:<d1>' | sha256sum, and so on.
        var c1 = ChainIds.Compute(D0, D1);
        Assert.Equal("sha256:ef232af0eb422cdfd7917631657cd8ed2bfd5b9461b37c427aa0d3e0a19adf79", c1.ToString());
        Assert.Equal("sha256:7ad3896338947cc04ee0b35b50d400ff32538d63f42f85ec87feac78bf71a54d", ChainIds.Compute(c1, D2).ToString());
        Assert.Equal(ChainIds.Compute(c1, D2), ChainIds.Compute([D0, D1, D2]));
    }

    [Fact]
    public void EmptyStackHasNoChainId() => Assert.Null(ChainIds.Compute([]));
}
