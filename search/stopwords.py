"""The words a long query leaves out: the Snowball English stop list (English; in other
languages what their rules say, search.analysis.long_query_lists).

A question typed in full ("what are the effects of ... on ...", "articles about ... which ...")
carries words that say how it is asked, not what it is about. The analysers of both backends
drop only a short list (INDEX_STOP_WORDS, 34 words: "the", "of", "and"...), because an index keeps
"who", "most" or "after" for the queries that need them. A query of at least
LONG_QUERY_WORDS plain words also leaves out these words (search.querylang.parse), so that
all-words matching, word pairs and feedback work on the words that carry the topic.

The list is Snowball's own (snowballstem.org, algorithms/english/stop.txt, BSD licence; the
stemmer's companion list): pronouns, forms of be/have/do, would/should/could/ought, contractions,
articles, prepositions and conjunctions. Snowball leaves out "us" (the U.S.), "will", "can",
"may", "must" and "might" (a will, a can, May); so does this list. The words the analysers drop
themselves (INDEX_STOP_WORDS) stay in the query: the analysers remove them, and OpenSearch's
phrases (the word pairs) keep the gap where they stood ("algorithms for sparse matrices").

Languages (issue 21): a long query's question words are its own language's, told by its function
words among the languages it searches (search.analysis.query_language): an English question leaves out
English's as before; a French or German one keeps its words as typed (English's "once" or
"most" are words there: Spanish eleven, German cider) but for question words its language's
rules name (search.analysis.rules(code).question_words: English's list; for ten other languages
their question words, INTERROGATIVES, but for those their full stop lists drop already), and a
query of nothing but its language's question and stop words is kept whole, as an English one is.
"""
from __future__ import annotations

# Whether long queries leave the list's words out (chosen by leave-one-collection-out,
# bench/relevance.py), and the plain words (as typed) that make a query long.
APPLY_TO_LONG_QUERIES = True
LONG_QUERY_WORDS = 5

# The analysers' own stop list: English's in search.analysis (ENGLISH.stop_words), dropped from
# indexed text and from queries by both backends. The 34 words of Whoosh's default list, which
# Whoosh indexes built before it was defined here keep in their schema.
INDEX_STOP_WORDS = frozenset("""
a an and are as at be by can for from have if in is it may not of on or tbd that the this to us
we when will with yet you your
""".split())

SNOWBALL_ENGLISH = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing would should
could ought i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd
she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't hasn't
haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot couldn't
mustn't let's that's who's what's here's there's when's where's why's how's a an the and but if
or because as until while of at by for with about against between into through during before
after above below to from up down in out on off over under again further then once here there
when where why how all any both each few more most other some such no nor not only own same so
than too very
""".split())

# What a long query leaves out: Snowball's list but for the analysers' own stop words.
QUESTION_WORDS = SNOWBALL_ENGLISH - INDEX_STOP_WORDS

# Other languages' question words (who, what, when, where, why, how, which, how many), as
# typed, with and without accents: what their Snowball stop lists leave out ("wer", "warum",
# "pourquoi", "comment", "cuándo"), so "pourquoi les agriculteurs bloquent les autoroutes" is
# searched as its topic, as an English question is. Only words that are question words in
# every use ("cosa", Italian "thing" as well as "what", is not one; nor Dutch "waar", also
# "true"); a long query leaves out the ones its own stop list does not already drop.
INTERROGATIVES = {
    "da": "hvem hvad hvornår hvor hvorfor hvordan hvilken hvilket hvilke",
    "de": "wer was wann wo warum wie welche welcher welches welchen wieso weshalb wozu woher wohin wieviel wieviele",
    "es": "qué quién quiénes quien quienes cuándo dónde donde cómo cuál cuáles cual cuales cuánto cuántos "
          "cuánta cuántas",
    "fr": "qui que quoi quand où pourquoi comment quel quelle quels quelles combien lequel laquelle lesquels "
          "lesquelles",
    "it": "chi che quando dove perché come quale quali quanto quanti quanta quante",
    "nl": "wie wat wanneer waarom hoe welke welk hoeveel",
    "no": "hvem hva når hvor hvorfor hvordan hvilken hvilket hvilke",
    "pt": "quem que quando onde porque porquê quê como qual quais quanto quantos quanta quantas",
    "ru": "кто что когда где почему зачем как какой какая какое какие сколько",
    "sv": "vem vad när var varför hur vilken vilket vilka",
}
