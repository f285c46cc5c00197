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
    public void Cpu_lists_parse_as_gos_ParseUintList(string list, int[] cpus) =>
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
    public void Malformed_or_too_large_cpu_lists_are_refused(string list) =>
        Assert.Null(ContainerResources.ParseCpuList(list, 8192));

    [Fact]
    public void A_malformed_cpuset_is_refused_in_dockerds_words()
    {
        var e = Assert.Throws<InvalidParameterException>(() => ContainerResources.Validate(new ContainerHostConfig { CpusetCpus = "1-x" }));
        Assert.Equal("Invalid value 1-x for cpuset cpus", e.Message);
    }

    [Fact]
    public void Cpus_the_host_lacks_are_refused_naming_what_it_has()
    {
        var e = Assert.Throws<InvalidParameterException>(() => ContainerResources.Validate(new ContainerHostConfig { CpusetCpus = "0-4095" }));
        Assert.StartsWith("Requested CPUs are not available - requested 0-4095, available: ", e.Message);
        ContainerResources.Validate(new ContainerHostConfig { CpusetCpus = "0" });
    }

    [Fact]
    public void The_cpuset_becomes_linux_resources_cpu_cpus_and_nothing_is_set_without_it()
    {
        Assert.Equal("0,1", ContainerResources.ToRuntime(new ContainerHostConfig { CpusetCpus = "0,1" }).Cpu!.Cpus);
        Assert.Null(ContainerResources.ToRuntime(new ContainerHostConfig()).Cpu);
        Assert.Null(ContainerResources.ToRuntime(new ContainerHostConfig { CpuShares = 512 }).Cpu!.Cpus);
    }

    [Fact]
    public void A_missing_cpuset_reads_as_empty_and_shm_size_has_dockers_default()
    {
        var host = new ContainerHostConfig { CpusetCpus = null!, ShmSize = 0 };
        Assert.Equal("", host.CpusetCpus);
        Assert.Equal(ContainerDefaults.ShmSize, host.ShmSize);
        Assert.Equal(1 << 20, (host with { ShmSize = 1 << 20 }).ShmSize);
    }
}
