using System.Text.Json;
using Berth.Cli.Commands.Containers;
using Berth.Core.CommandLine;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Xunit;

namespace Berth.Cli.Tests;

/// <summary>The run/create flag value types against what docker CLI 28 (opts, go-units) makes of them.</summary>
public class ContainerFlagValuesTests
{
    private static string Error(Action parse) => Assert.Throws<FormatException>(parse).Message;

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("0", 0)]
    [InlineData("1b", 1)]
    [InlineData("512k", 512 * 1024)]
    [InlineData("512K", 512 * 1024)]
    [InlineData("16m", 16 * 1024 * 1024)]
    [InlineData("16MB", 16 * 1024 * 1024)]
    [InlineData("16MiB", 16 * 1024 * 1024)]
    [InlineData("16mib", 16 * 1024 * 1024)]
    [InlineData("2 g", 2L * 1024 * 1024 * 1024)]
    [InlineData("1.5g", 1610612736)]
    [InlineData("1.5", 1)]
    [InlineData("1t", 1L << 40)]
    [InlineData("1P", 1L << 50)]
    [InlineData("1ib", 1)]
    [InlineData("99999999999999999999", long.MinValue)] // Go's float-to-int64 overflow on amd64
    public void RamInBytes(string size, long bytes) => Assert.Equal(bytes, ContainerFlagValues.RamInBytes(size));

    [Theory]
    [InlineData("x", "invalid size: 'x'")]
    [InlineData("", "invalid size: ''")]
    [InlineData("-1", "invalid size: '-1'")]
    [InlineData(".5m", "invalid size: '.5m'")]
    [InlineData("16mm", "invalid size: '16mm'")]
    [InlineData("16m ", "invalid size: '16m '")]
    [InlineData("16e", "invalid size: '16e'")]
    [InlineData("1.2.3", "strconv.ParseFloat: parsing \"1.2.3\": invalid syntax")]
    public void RamInBytesErrors(string size, string message) => Assert.Equal(message, Error(() => ContainerFlagValues.RamInBytes(size)));

    [Fact]
    public void MemorySwapTakesMinusOneForUnlimited()
    {
        Assert.Equal(-1, ContainerFlagValues.MemSwapBytes("-1"));
        Assert.Equal(1L << 30, ContainerFlagValues.MemSwapBytes("1g"));
        Assert.Equal("invalid size: '-2'", Error(() => ContainerFlagValues.MemSwapBytes("-2")));
    }

    [Theory]
    [InlineData("0.5", 500_000_000)]
    [InlineData("1", 1_000_000_000)]
    [InlineData("1.5", 1_500_000_000)]
    [InlineData("2.000000001", 2_000_000_001)]
    [InlineData(".5", 500_000_000)]
    [InlineData("1.", 1_000_000_000)]
    [InlineData("0", 0)]
    [InlineData("-1", -1_000_000_000)]
    [InlineData("+0.25", 250_000_000)]
    [InlineData("3/2", 1_500_000_000)]
    [InlineData("-1/4", -250_000_000)]
    [InlineData("1e-9", 1)]
    [InlineData("1.25e1", 12_500_000_000)]
    [InlineData("1_0", 10_000_000_000)]
    [InlineData("0e99999999", 0)]
    [InlineData("1.50000000000", 1_500_000_000)]
    public void NanoCpus(string cpus, long nano) => Assert.Equal(nano, ContainerFlagValues.NanoCpus(cpus));

    [Theory]
    [InlineData("abc", "failed to parse abc as a rational number")]
    [InlineData("", "failed to parse  as a rational number")]
    [InlineData("1/0", "failed to parse 1/0 as a rational number")]
    [InlineData("0.5x", "failed to parse 0.5x as a rational number")]
    [InlineData("1e", "failed to parse 1e as a rational number")]
    [InlineData(".", "failed to parse . as a rational number")]
    [InlineData(" 1", "failed to parse  1 as a rational number")]
    [InlineData("1,5", "failed to parse 1,5 as a rational number")]
    [InlineData("1e9999999", "failed to parse 1e9999999 as a rational number")]
    [InlineData("0.0000000001", "value is too precise")]
    [InlineData("1/3", "value is too precise")]
    public void NanoCpusErrors(string cpus, string message) => Assert.Equal(message, Error(() => ContainerFlagValues.NanoCpus(cpus)));

    [Theory]
    [InlineData("8.8.8.8", "8.8.8.8")]
    [InlineData(" 8.8.8.8 ", "8.8.8.8")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("0:0:0:0:0:0:0:1", "::1")]
    [InlineData("::", "::")]
    [InlineData("::ffff:1.2.3.4", "1.2.3.4")]
    [InlineData("1:0:0:2:0:0:0:3", "1:0:0:2::3")]
    [InlineData("1:0:0:2:0:0:3:4", "1::2:0:0:3:4")]
    [InlineData("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7")]
    public void IpAddressInGoForm(string value, string canonical) => Assert.Equal(canonical, ContainerFlagValues.IpAddress(value));

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("01.2.3.4")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("[::1]")]
    [InlineData("fe80::1%eth0")]
    [InlineData("::ffff:01.2.3.4")]
    [InlineData("dns.example")]
    [InlineData("")]
    public void IpAddressErrors(string value) =>
        Assert.Equal($"IP address is not correctly formatted: {value}", Error(() => ContainerFlagValues.IpAddress(value)));

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData(" corp.example ", "corp.example")]
    [InlineData(".", ".")]
    [InlineData("a-b.c1", "a-b.c1")]
    public void DnsSearch(string value, string domain) => Assert.Equal(domain, ContainerFlagValues.DnsSearch(value));

    [Theory]
    [InlineData("a_b", "a_b is not a valid domain")]
    [InlineData("123", "123 is not a valid domain")]
    [InlineData("-abc.com", "-abc.com is not a valid domain")]
    [InlineData("", " is not a valid domain")]
    public void DnsSearchErrors(string value, string message) => Assert.Equal(message, Error(() => ContainerFlagValues.DnsSearch(value)));

    [Theory]
    [InlineData("db:10.0.0.2", "db:10.0.0.2")]
    [InlineData("db=10.0.0.2", "db:10.0.0.2")]
    [InlineData("db:::1", "db:::1")]
    [InlineData("db=::1", "db:::1")]
    [InlineData("db:[::1]", "db:::1")]
    [InlineData("db=[2001:db8::1]", "db:2001:db8::1")]
    [InlineData("db:[10.0.0.2]", "db:10.0.0.2")]
    [InlineData("gw:host-gateway", "gw:host-gateway")]
    [InlineData("db=0:0::1", "db:0:0::1")] // checked, but sent as written
    public void ExtraHostIsSentAsHostColonIp(string value, string sent) => Assert.Equal(sent, ContainerFlagValues.ExtraHost(value));

    [Theory]
    [InlineData("db", "bad format for add-host: \"db\"")]
    [InlineData(":10.0.0.2", "bad format for add-host: \":10.0.0.2\"")]
    [InlineData("a:b=10.0.0.2", "bad format for add-host: \"a:b=10.0.0.2\"")]
    [InlineData("db:1.2.3", "invalid IP address in add-host: \"1.2.3\"")]
    [InlineData("db=", "invalid IP address in add-host: \"\"")]
    public void ExtraHostErrors(string value, string message) => Assert.Equal(message, Error(() => ContainerFlagValues.ExtraHost(value)));

    [Theory]
    [InlineData("net.ipv4.ip_forward=1")]
    [InlineData("kernel.shmmax=1024")]
    [InlineData("fs.mqueue.msg_max=10")]
    [InlineData("net.core.somaxconn=")]
    public void SysctlAllowed(string value) => Assert.Equal(value, ContainerFlagValues.Sysctl(value));

    [Theory]
    [InlineData("kernel.foo=1")]
    [InlineData("net.ipv4.ip_forward")]
    [InlineData("=1")]
    [InlineData("vm.swappiness=10")]
    public void SysctlRefused(string value) => Assert.Equal($"sysctl '{value}' is not allowed", Error(() => ContainerFlagValues.Sysctl(value)));

    [Theory]
    [InlineData("nofile=1024", "nofile", 1024, 1024)]
    [InlineData("nofile=1024:2048", "nofile", 1024, 2048)]
    [InlineData("core=-1", "core", -1, -1)]
    [InlineData("stack=8192:-1", "stack", 8192, -1)]
    [InlineData("nproc=0", "nproc", 0, 0)]
    public void Ulimit(string value, string name, long soft, long hard) =>
        Assert.Equal(new Ulimit { Name = name, Soft = soft, Hard = hard }, ContainerFlagValues.ParseUlimit(value));

    [Theory]
    [InlineData("nofile", "invalid ulimit argument: nofile")]
    [InlineData("as=1", "invalid ulimit type: as")]
    [InlineData("NOFILE=1", "invalid ulimit type: NOFILE")]
    [InlineData("nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`")]
    [InlineData("nofile=10:5", "ulimit soft limit must be less than or equal to hard limit: 10 > 5")]
    [InlineData("nofile=-1:10", "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 10")]
    [InlineData("nofile=x", "strconv.ParseInt: parsing \"x\": invalid syntax")]
    [InlineData("nofile=x:y", "strconv.ParseInt: parsing \"y\": invalid syntax")]
    [InlineData("nofile=infinity", "strconv.ParseInt: parsing \"infinity\": invalid syntax")]
    [InlineData("nofile=0x10", "strconv.ParseInt: parsing \"0x10\": invalid syntax")]
    public void UlimitErrors(string value, string message) => Assert.Equal(message, Error(() => ContainerFlagValues.ParseUlimit(value)));

    [Fact]
    public void BindMountInDockersJson()
    {
        var m = ContainerFlagValues.ParseMount("type=bind,source=/srv/data,target=/data,readonly,bind-propagation=RSHARED");
        Assert.Equal("""{"Type":"bind","Source":"/srv/data","Target":"/data","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}}""",
            JsonSerializer.Serialize(m, EngineJson.Context.Mount));
    }

    [Theory]
    [InlineData("type=bind,src=/a,dst=/b", "bind", "/a", "/b", false)]
    [InlineData("TYPE=Bind,SRC=/a,Destination=/b,RO=1", "bind", "/a", "/b", true)]
    [InlineData("type=bind,src=/a,dst=/b,ro=true,readonly=false", "bind", "/a", "/b", false)]
    [InlineData("src=vol,dst=/b", "volume", "vol", "/b", false)]
    [InlineData("dst=/b", "volume", null, "/b", false)]
    [InlineData("type=bind,\"src=/a,b\",dst=/c", "bind", "/a,b", "/c", false)]
    [InlineData("type=bind,src=\"/a\"\"b\",dst=/c", "bind", null, null, false)]
    [InlineData("\"type=bind\",\"src=/x\"\"y\",target=/c", "bind", "/x\"y", "/c", false)]
    public void MountFields(string value, string type, string? source, string? target, bool readOnly)
    {
        if (target is null)
        {
            Assert.Equal("parse error on line 1, column 15: bare \" in non-quoted field", Error(() => ContainerFlagValues.ParseMount(value)));
            return;
        }
        var m = ContainerFlagValues.ParseMount(value);
        Assert.Equal((type, source, target, readOnly), (m.Type, m.Source, m.Target, m.ReadOnly));
    }

    [Fact]
    public void MountSourceStartingWithDotIsMadeAbsolute()
    {
        var cwd = Environment.CurrentDirectory.TrimEnd('/');
        Assert.Equal(cwd, ContainerFlagValues.ParseMount("type=bind,src=.,dst=/b").Source);
        Assert.Equal(cwd, ContainerFlagValues.ParseMount("type=bind,src=./,dst=/b").Source);
        Assert.Equal(cwd + "/x", ContainerFlagValues.ParseMount("type=bind,src=./x/,dst=/b").Source);
        Assert.Equal(Path.GetDirectoryName(cwd), ContainerFlagValues.ParseMount("type=bind,src=..,dst=/b").Source);
        Assert.Equal("x", ContainerFlagValues.ParseMount("type=bind,src=x,dst=/b").Source);
    }

    [Fact]
    public void OtherMountTypesCarryTheirOptions()
    {
        var tmpfs = ContainerFlagValues.ParseMount("type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770");
        Assert.Equal(new TmpfsOptions { SizeBytes = 64 << 20, Mode = 1016 }, tmpfs.TmpfsOptions);
        var volume = ContainerFlagValues.ParseMount("type=volume,src=v,dst=/d,volume-nocopy,volume-label=a=b,volume-driver=local,volume-opt=o=bind,volume-subpath=sub");
        Assert.Equal("""{"Type":"volume","Source":"v","Target":"/d","VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},"Subpath":"sub","DriverConfig":{"Name":"local","Options":{"o":"bind"}}}}""",
            JsonSerializer.Serialize(volume, EngineJson.Context.Mount));
        Assert.Equal("""{"Type":"volume","Target":"/d","VolumeOptions":{"DriverConfig":{}}}""",
            JsonSerializer.Serialize(ContainerFlagValues.ParseMount("dst=/d,volume-nocopy=false"), EngineJson.Context.Mount));
        Assert.Equal("sub", ContainerFlagValues.ParseMount("type=image,src=busybox,dst=/i,image-subpath=sub").ImageOptions!.Subpath);
        var recursive = ContainerFlagValues.ParseMount("type=bind,src=/a,dst=/b,ro,bind-recursive=readonly,bind-propagation=rprivate");
        Assert.Equal(new BindOptions { Propagation = "rprivate", ReadOnlyForceRecursive = true }, recursive.BindOptions);
        Assert.True(ContainerFlagValues.ParseMount("type=bind,src=/a,dst=/b,bind-recursive=disabled").BindOptions!.NonRecursive);
        Assert.True(ContainerFlagValues.ParseMount("type=bind,src=/a,dst=/b,bind-nonrecursive").BindOptions!.NonRecursive);
    }

    [Theory]
    [InlineData("", "EOF")]
    [InlineData("\n", "EOF")]
    [InlineData("foo", "invalid field 'foo' must be a key=value pair")]
    [InlineData("type=bind,,dst=/b", "invalid field '' must be a key=value pair")]
    [InlineData("type=bind,src=/a", "target is required")]
    [InlineData("type=,dst=/b", "type is required")]
    [InlineData("src=/a,dst=/b,Foo=1", "unexpected key 'foo' in 'Foo=1'")]
    [InlineData("src=/a,dst=/b,ro=maybe", "invalid value for ro: maybe")]
    [InlineData("src=/a,dst=/b,volume-nocopy=maybe", "invalid value for volume-nocopy: maybe")]
    [InlineData("type=tmpfs,dst=/b,tmpfs-size=big", "invalid value for tmpfs-size: big")]
    [InlineData("type=tmpfs,dst=/b,tmpfs-mode=0789", "invalid value for tmpfs-mode: 0789")]
    [InlineData("type=bind,src=/a,dst=/b,bind-recursive=yes", "invalid value for bind-recursive: yes (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")")]
    [InlineData("src=v,dst=/b,bind-propagation=rshared", "cannot mix 'bind-*' options with mount type 'volume'")]
    [InlineData("type=bind,src=/a,dst=/b,volume-nocopy", "cannot mix 'volume-*' options with mount type 'bind'")]
    [InlineData("type=bind,src=/a,dst=/b,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type 'bind'")]
    [InlineData("type=bind,src=/a,dst=/b,image-subpath=x", "cannot mix 'image-*' options with mount type 'bind'")]
    [InlineData("type=bind,src=/a,dst=/b,bind-recursive=writable", "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")]
    [InlineData("type=bind,src=/a,dst=/b,bind-recursive=readonly", "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")]
    [InlineData("type=bind,src=/a,dst=/b,ro,bind-recursive=readonly", "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction")]
    [InlineData("a\"b", "parse error on line 1, column 2: bare \" in non-quoted field")]
    [InlineData("\"abc", "parse error on line 1, column 5: extraneous or missing \" in quoted-field")]
    [InlineData("\"abc\n", "parse error on line 1, column 6: extraneous or missing \" in quoted-field")]
    [InlineData("x=1,\"ab\"c", "parse error on line 1, column 8: extraneous or missing \" in quoted-field")]
    [InlineData("\"a\nb", "record on line 1; parse error on line 2, column 2: extraneous or missing \" in quoted-field")]
    public void MountErrors(string value, string message) => Assert.Equal(message, Error(() => ContainerFlagValues.ParseMount(value)));

    [Fact]
    public void MountReadsOnlyTheFirstCsvRecord()
    {
        var m = ContainerFlagValues.ParseMount("\n\"type=bind\",src=/a,\"dst=/b\nc\"\nfoo");
        Assert.Equal(("/a", "/b\nc"), (m.Source, m.Target));
    }

    [Fact]
    public void SecurityOptionsAsDockerSendsThem()
    {
        var sent = ContainerFlagValues.SecurityOptions(["no-new-privileges", "label=disable", "apparmor:unconfined", "seccomp=unconfined", "seccomp=builtin"], out var masked, out var readOnly);
        Assert.Equal(["no-new-privileges", "label=disable", "apparmor:unconfined", "seccomp=unconfined", "seccomp=builtin"], sent);
        Assert.Null(masked);
        Assert.Null(readOnly);
        Assert.Null(ContainerFlagValues.SecurityOptions([], out _, out _));

        Assert.Equal(["no-new-privileges:true"], ContainerFlagValues.SecurityOptions(["systempaths=unconfined", "no-new-privileges:true"], out masked, out readOnly));
        Assert.Equal((0, 0), (masked!.Count, readOnly!.Count));
    }

    [Fact]
    public void SeccompProfileIsSentAsCompactJson()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"names\" : [ \"a b\", \"q\\\" x\" ]\n}\n");
            Assert.Equal(["seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\",\"names\":[\"a b\",\"q\\\" x\"]}"],
                ContainerFlagValues.SecurityOptions([$"seccomp={file}"], out _, out _));
            File.WriteAllText(file, "{\"a\":");
            Assert.Equal($"compacting json for seccomp profile ({file}) failed: unexpected end of JSON input",
                Assert.Throws<UsageException>(() => ContainerFlagValues.SecurityOptions([$"seccomp:{file}"], out _, out _)).Message);
            File.WriteAllText(file, "");
            Assert.EndsWith("failed: unexpected end of JSON input",
                Assert.Throws<UsageException>(() => ContainerFlagValues.SecurityOptions([$"seccomp={file}"], out _, out _)).Message);
            File.WriteAllText(file, "{\"a\": x}");
            Assert.StartsWith($"compacting json for seccomp profile ({file}) failed: invalid",
                Assert.Throws<UsageException>(() => ContainerFlagValues.SecurityOptions([$"seccomp={file}"], out _, out _)).Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("foo", "invalid --security-opt: \"foo\"")]
    [InlineData("label=", "invalid --security-opt: \"label=\"")]
    [InlineData("apparmor:", "invalid --security-opt: \"apparmor:\"")]
    [InlineData("seccomp=/nonexistent/profile.json", "opening seccomp profile (/nonexistent/profile.json) failed: open /nonexistent/profile.json: no such file or directory")]
    [InlineData("seccomp=/", "opening seccomp profile (/) failed: read /: is a directory")]
    public void SecurityOptionErrorsAreUsageErrors(string opt, string message)
    {
        var e = Assert.Throws<UsageException>(() => ContainerFlagValues.SecurityOptions([opt], out _, out _));
        Assert.Equal((message, 125), (e.Message, e.ExitCode));
    }
}
