using Berth.Core.CommandLine;
using Xunit;

namespace Berth.Core.Tests.CommandLine;

public class FlagSetTests
{
    private static FlagSet RunFlags() => new FlagSet()
        .Bool("interactive", 'i', "").Bool("tty", 't', "").Bool("detach", 'd', "").Bool("rm", null, "")
        .List("env", 'e', "").String("name", null, "").String("workdir", 'w', "").Int("time", null, "");

    [Fact]
    public void StopsAtFirstPositionalWhenNotInterspersed()
    {
        var f = RunFlags().Parse(["--rm", "busybox", "sh", "-c", "exit 7"], interspersed: false);
        Assert.True(f.GetBool("rm"));
        Assert.Equal(["busybox", "sh", "-c", "exit 7"], f.Positionals);
    }

    [Fact]
    public void InterspersedParsesFlagsAfterPositionals()
    {
        var f = new FlagSet().Bool("force", 'f', "").Parse(["a", "-f", "b"]);
        Assert.True(f.GetBool("force"));
        Assert.Equal(["a", "b"], f.Positionals);
    }

    [Fact]
    public void CombinedShortFlags()
    {
        var f = RunFlags().Parse(["-it", "img"], false);
        Assert.True(f.GetBool("interactive"));
        Assert.True(f.GetBool("tty"));
        var g = RunFlags().Parse(["-di", "img"], false);
        Assert.True(g.GetBool("detach") && g.GetBool("interactive"));
    }

    [Fact]
    public void ShortFlagValueGluedOrSeparateOrEquals()
    {
        var f = RunFlags().Parse(["-eA=1", "-e", "B=2", "-e=C=3", "-w/tmp", "img"], false);
        Assert.Equal(["A=1", "B=2", "C=3"], f.GetList("env"));
        Assert.Equal("/tmp", f.GetString("workdir"));
    }

    [Fact]
    public void CombinedBoolsThenValueFlag()
    {
        var f = RunFlags().Parse(["-ite", "X=1", "img"], false);
        Assert.True(f.GetBool("tty"));
        Assert.Equal(["X=1"], f.GetList("env"));
    }

    [Fact]
    public void LongFlagWithEqualsAndRepeated()
    {
        var f = RunFlags().Parse(["--name=web", "--env", "A=1", "--env=B=2", "--rm=false", "img"], false);
        Assert.Equal("web", f.GetString("name"));
        Assert.Equal(["A=1", "B=2"], f.GetList("env"));
        Assert.False(f.GetBool("rm"));
        Assert.True(f.Changed("rm"));
    }

    [Fact]
    public void DoubleDashEndsFlags()
    {
        var f = RunFlags().Parse(["--", "-d"], true);
        Assert.False(f.GetBool("detach"));
        Assert.Equal(["-d"], f.Positionals);
    }

    [Fact]
    public void SingleDashIsPositional()
    {
        var f = new FlagSet().List("change", 'c', "").Parse(["-c", "CMD x", "-", "repo:tag"]);
        Assert.Equal(["-", "repo:tag"], f.Positionals);
    }

    [Theory]
    [InlineData(new[] { "--foo" }, "unknown flag: --foo")]
    [InlineData(new[] { "-x" }, "unknown shorthand flag: 'x' in -x")]
    [InlineData(new[] { "-e" }, "flag needs an argument: 'e' in -e")]
    [InlineData(new[] { "--name" }, "flag needs an argument: --name")]
    [InlineData(new[] { "--time", "x" }, "invalid argument \"x\" for \"--time\" flag: strconv.ParseInt: parsing \"x\": invalid syntax")]
    [InlineData(new[] { "--rm=maybe" }, "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax")]
    public void ErrorsLikePflag(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() => RunFlags().Parse(args));
        Assert.Equal(message, e.Message);
        Assert.Equal(125, e.ExitCode);
    }

    [Fact]
    public void ListDefaultIsReplacedByTheFirstValue()
    {
        static FlagSet Hosts() => new FlagSet().List("host", 'H', "", "unix:///run/berth/berth.sock");
        Assert.Equal(["unix:///run/berth/berth.sock"], Hosts().Parse([]).GetList("host"));
        Assert.Equal(["unix:///a.sock", "unix:///b.sock"], Hosts().Parse(["-H", "unix:///a.sock", "--host=unix:///b.sock"]).GetList("host"));
    }

    [Fact]
    public void FlagUsagesAreSortedAlignedWithDefaultsAsPflag()
    {
        var usages = new FlagSet()
            .String("log-level", 'l', "Set the logging level", "info")
            .List("host", 'H', "Daemon socket(s) to connect to", "unix:///run/berth/berth.sock")
            .List("insecure-registry", null, "Insecure registries")
            .Bool("version", 'v', "Print version information and quit")
            .Int("max", null, "Most", "3")
            .String("pidfile", 'p', "PID file")
            .HiddenAlias("hosts", "host")
            .FlagUsages();
        Assert.Equal(
            "  -H, --host list                Daemon socket(s) to connect to (default [unix:///run/berth/berth.sock])\n" +
            "      --insecure-registry list   Insecure registries\n" +
            "  -l, --log-level string         Set the logging level (default \"info\")\n" +
            "      --max int                  Most (default 3)\n" +
            "  -p, --pidfile string           PID file\n" +
            "  -v, --version                  Print version information and quit\n",
            usages);
    }

    [Fact]
    public void BoolDefaultTrue()
    {
        var f = new FlagSet().Bool("human", 'H', "", defaultValue: true);
        Assert.True(f.GetBool("human"));
        f.Parse(["-H=false"]);
        Assert.False(f.GetBool("human"));
    }
}

public class FlagValueTests
{
    private static FlagSet Flags() => new FlagSet()
        .Value("memory", 'm', "bytes", "", v => v == "bad" ? throw new FormatException("invalid size: 'bad'") : v.ToUpperInvariant())
        .Value("dns", null, "list", "", v => v.Trim(), repeatable: true)
        .List("dns-option", null, "")
        .HiddenAlias("dns-opt", "dns-option");

    [Fact]
    public void ValueFlagKeepsWhatItsParserReturns()
    {
        var f = Flags().Parse(["-m", "16m", "--dns", " 1.1.1.1", "--dns= 8.8.8.8 ", "img"], false);
        Assert.Equal("16M", f.GetString("memory"));
        Assert.Equal(["1.1.1.1", "8.8.8.8"], f.GetList("dns"));
        Assert.Equal("bytes", f.Definitions[0].TypeName);
    }

    [Fact]
    public void ParserErrorIsPflagsInvalidArgument()
    {
        var e = Assert.Throws<UsageException>(() => Flags().Parse(["-m", "bad"]));
        Assert.Equal("invalid argument \"bad\" for \"-m, --memory\" flag: invalid size: 'bad'", e.Message);
        Assert.Equal(125, e.ExitCode);
    }

    [Fact]
    public void HiddenAliasAddsToItsTarget()
    {
        var f = Flags().Parse(["--dns-option", "ndots:2", "--dns-opt", "timeout:1", "--dns-option=attempts:3"]);
        Assert.Equal(["ndots:2", "timeout:1", "attempts:3"], f.GetList("dns-option"));
        Assert.Equal("dns-option", f.Definitions.Single(d => d.Long == "dns-opt").AliasOf);
    }

    [Fact]
    public void InvalidArgumentQuotesLikeGo()
    {
        var e = Assert.Throws<UsageException>(() => new FlagSet().Int("time", 't', "").Parse(["-t", "a\"b\\\n"]));
        Assert.Equal("invalid argument \"a\\\"b\\\\\\n\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"a\\\"b\\\\\\n\": invalid syntax", e.Message);
    }

    [Theory]
    [InlineData("42", 42)]
    [InlineData("-42", -42)]
    [InlineData("+7", 7)]
    [InlineData("0x1F", 31)]
    [InlineData("010", 8)]
    [InlineData("0o17", 15)]
    [InlineData("0b101", 5)]
    [InlineData("1_000", 1000)]
    [InlineData("0x_1f", 31)]
    [InlineData("0", 0)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void ParseIntAsGoWithBaseZero(string s, long expected) => Assert.Equal(expected, GoSyntax.ParseInt(s));

    [Theory]
    [InlineData("", "invalid syntax")]
    [InlineData("-", "invalid syntax")]
    [InlineData("1x", "invalid syntax")]
    [InlineData("0x", "invalid syntax")]
    [InlineData("08", "invalid syntax")]
    [InlineData("1__0", "invalid syntax")]
    [InlineData("_1", "invalid syntax")]
    [InlineData("1_", "invalid syntax")]
    [InlineData("1.5", "invalid syntax")]
    [InlineData("9223372036854775808", "value out of range")]
    [InlineData("-9223372036854775809", "value out of range")]
    [InlineData("99999999999999999999", "value out of range")]
    public void ParseIntErrorsAsGo(string s, string why) =>
        Assert.Equal($"strconv.ParseInt: parsing {GoSyntax.Quote(s)}: {why}", Assert.Throws<FormatException>(() => GoSyntax.ParseInt(s)).Message);

    [Fact]
    public void ParseIntBaseTenHasNoPrefixesOrUnderscores()
    {
        Assert.Equal(10, GoSyntax.ParseInt("010", baseZero: false));
        Assert.Throws<FormatException>(() => GoSyntax.ParseInt("1_0", baseZero: false));
        Assert.Throws<FormatException>(() => GoSyntax.ParseInt("0x1", baseZero: false));
    }
}
