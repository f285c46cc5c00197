using Berth.Core.Errors;
using Berth.Engine.Containers;
using Xunit;

namespace Berth.Engine.Tests.Containers;

public sealed class ContainerResourcesTests
{
    [Theory]
    [InlineData("", new int[0])]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-2", new[] { 0, 1, 2 })]
    [InlineData("0,2-3", new[] { 0, 2, 3 })]
    [InlineData("+1", new[] { 1 })]
    [InlineData("1,1", new[] { 1 })]
    public void CpuListsParseAsGosParseUintList(string list, int[] cpus) =>
        Assert.Equal(cpus, ContainerResources.ParseCpuList(list, 8192)!.Order());

    [Theory]
    [InlineData("1-x")]
    [InlineData("3-1")]
    [InlineData(",")]
    [InlineData("0,")]
    [InlineData("-1")]
    [InlineData(" 1")]
    [InlineData("a")]
    [InlineData("8193")]
    [InlineData("0-8193")]
    public void MalformedOrTooLargeCpuListsAreRefused(string list) =>
        Assert.Null(ContainerResources.ParseCpuList(list, 8192));

    [Fact]
    public void AMalformedCpusetIsRefusedInDockerdsWords()
    {
        var e = Assert.Throws<InvalidParameterException>(() => ContainerResources.Validate(new ContainerHostConfig { CpusetCpus = "1-x" }));
        Assert.Equal("Invalid value 1-x for cpuset cpus", e.Message);
    }

    [Fact]
    public void CpusTheHostLacksAreRefusedNamingWhatItHas()
    {
        var e = Assert.Throws<InvalidParameterException>(() => ContainerResources.Validate(new ContainerHostConfig { CpusetCpus = "0-4095" }));
        Assert.StartsWith("Requested CPUs are not available - requested 0-4095, available: ", e.Message);
        ContainerResources.Validate(new ContainerHostConfig { CpusetCpus = "0" });
    }

    [Fact]
    public void TheCpusetBecomesLinuxResourcesCpuCpusAndNothingIsSetWithoutIt()
    {
        Assert.Equal("0,1", ContainerResources.ToRuntime(new ContainerHostConfig { CpusetCpus = "0,1" }).Cpu!.Cpus);
        Assert.Null(ContainerResources.ToRuntime(new ContainerHostConfig()).Cpu);
        Assert.Null(ContainerResources.ToRuntime(new ContainerHostConfig { CpuShares = 512 }).Cpu!.Cpus);
    }

    [Fact]
    public void AMissingCpusetReadsAsEmptyAndShmSizeHasDockersDefault()
    {
        var host = new ContainerHostConfig { CpusetCpus = null!, ShmSize = 0 };
        Assert.Equal("", host.CpusetCpus);
        Assert.Equal(ContainerDefaults.ShmSize, host.ShmSize);
        Assert.Equal(1 << 20, (host with { ShmSize = 1 << 20 }).ShmSize);
    }
}
