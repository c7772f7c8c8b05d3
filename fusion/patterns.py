"""Price bounds and sizes read out of a search query with regular expressions.

Both become *hard* filters for the search engine (:class:`fusion.expand.Filters`
``price_min`` / ``price_max`` / ``size``): a wrong number silently removes good results, a
missing one only leaves more. So the patterns are conservative: a number that may be something
else (a spec, a count, a year, part of a product name) is not read.

Prices (:func:`parse_price`):

- bounds: "under", "below", "less than", "cheaper than", "lower than", "up to", "at most",
  "no more than", "within", "<", "<=", "≤" (upper); "over", "above", "more than", "greater
  than", "at least", "no less than", "starting at", "from", ">", ">=", "≥" (lower). Both
  bounds are kept ("over 200 under 500" is ``(200.0, 500.0)``);
- a bound after its amount: "or less", "or under", "and under", "or below", "and below", "or
  lower", "or cheaper" (upper: "tv 300 or less", "$300 or under", "laptop for 500 dollars or
  less"); "or more", "and up", "and above", "or above", "and over", "or higher", "or greater"
  (lower: "$300 or more", "$300 and up"). Not when a unit or counted noun follows ("4 or more
  people", "2 or more hdmi ports") or the number is a spec (as above), and with no currency
  mark not a year, not an amount right after a word that numbers what it names, or a number
  or a word with a digit ("ios 12 or below", "size 10 and under", "pack of 10 or less", "spf
  30 or less", "ddr4 3200 or less"), nor a screen size ("tv 50 or less": written as "tv 50"
  is), and a lower bound only next to a price word ("price 300 and up"): a bare "300 and
  up", "8 and up", "android 9 and above", "rtx 3060 or higher" give none (an age, a version, a
  model as much as a price);
- a budget: "budget of 500", "my budget is 500", "on a budget of $500", "budget: 500" (upper),
  and "i have $300 to spend"; a bare "budget 500" only with a currency mark ("budget $500"):
  "budget" is as often an adjective ("budget 2 in 1 laptop", "budget 27 monitor"). "sub $500",
  "sub-$500" (upper) likewise only with a currency mark: "polk sub 10" is a subwoofer;
- an amount spelt "a hundred" (100), "a thousand" or "a grand" (1000): "under a thousand",
  "less than a grand", "over a hundred bucks", "between a hundred and a thousand"; not when
  more of it follows in words ("a hundred and fifty": no bound, never the first part), nor "a
  grand" before a noun it qualifies ("over a grand piano"); other spelt numbers ("five hundred
  dollars") are not read, and a number before "grand" gives no bound (below);
- an amount with no bound is no price filter: "about $300", "around 500", "roughly 200
  dollars", "approximately $300", "$500 laptop", "500 dollar laptop", "laptop for $500",
  "price of 500", "costs 500". The query names a point, not a limit: a price_max at the amount
  drops the $310 phone "about $300" asks for, and a band around it (0.8x-1.2x) is a width no
  query gives; a hard filter removes what was asked for, no filter only leaves more (the
  engine may rank by distance to the amount from the text, which keeps it);
- ranges: "between 100 and 200", "from 100 to 200", and a bare "100-200" / "100 to 200" with
  a currency mark ("$100-200", "100 to 200 dollars") or a price word right before or after it
  ("price 100-200"), or right after a word that names the product ("tv 300-500", "headphones
  50 to 100", "laptop 1-2k"; :func:`_bare_price_range`): both ends whole and written as price
  bounds are (multiples of 5 or ending in 9), the low one at least 20, the high one 1.1 to 20
  times it, no unit or counted noun after it. Not after a unit, nor after a product bought
  by the measure such a range gives ("watts 300-500", "hose 50-100", "fish tank 20-40", "ssd
  500-1000": watts, feet, gallons, gigabytes), a joining word or a word that numbers
  what it names ("for 20-30", "ages 20-30", "size 30-32", "iphone 12-13"), a model's series
  ("rtx 3060-3080", "gtx 1060-1080", "i7 8700-9700"), a lens maker nor in a query about lenses
  ("canon 70-200", "sigma 24-70": focal lengths), nor a waist or shoe size in a query naming
  clothing or footwear ("jeans 30-40", "shoes 40-42"), a screen size or an age ("tv 55-65",
  "women 40-50"); "kids 9-12", "2-4 people tent", "size 6-7", "10-12 years", "1-2 day
  shipping", "bike 26-29", "madden 20-21" give none. Every bare range of QueryNER (43, train
  and validation: ages, months, garment sizes, counts, a part number) is no price, and none
  is read as one;
- numbers: "1299", "1,299" (thousands), "1,00,000" (lakh groups), "1,299.99" (cents), "1k",
  "$1.5k", "1.5 k", "20 thousand", "20 thou" (thousands), "1 lakh", "2.5 lakhs", "1 lac"
  (100,000), "1 crore", "1 cr" (10,000,000), "5 hundred", "1 1/2 lakh", "1 ½ thousand", "1½
  lakh" (a fraction before a multiplier: 150000, 1500); a whole number of a currency's
  hundredths, "99 cents", "99¢", "50 pence", "50 paise" (0.99, 0.99, 0.5, 0.5, in the
  catalogue's currency as every amount); "1.299,99" (European), "1,29" and "1.299" (a
  thousands dot or three decimals?) are ambiguous and give no price, and so do an amount
  written in two parts ("1 lakh 50 thousand", "5 dollars 50 cents", "1 and a half lakh"), a
  multiplied one with a decimal comma ("1,5 lakh"), "1.5 cents", a fraction of a cent ("1 1/3
  lakh") and a number before million, billion and their short forms (mil, mill, mn, mln, bn,
  bil, bln: a count or a plastic's thickness as much as money, "probiotics over 50 billion",
  "6 mil"), trillion, grand or dozen: the bound is void, never the number alone; a mixed
  number without a currency mark ("drill bit under 1 1/2") is a measure, no price; "10 k
  cups" are coffee pods, no thousands; and an amount above a trillion
  (:data:`_MAX_AMOUNT`) is no price. Space-grouped thousands ("1 000 €", "rs 10 000",
  "1 000,50 €") are read whole with a currency mark; without one ("tv under 1 000": 1000, or 1
  and then another number, as in "laptop under 700 512 ssd"?) the bound is void, never the
  first group. A group followed by a unit is a number of its own ("under 200 128gb": 200);
- currency marks: $ (also US$, C$, CA$, A$, AU$, NZ$, HK$, S$), €, £, ₹, ¥ and the words
  usd, inr, rs / rs., rupees / rupee before the number; those marks, dollars, bucks, euros,
  rupees, inr or rs after it ("under rs 1000", "under ₹999", "under rupees 500", "500
  rupees"; dollars, bucks and euros are written after it). The amount is read as written, with
  no currency conversion. A bound word glued to its number ("under50", but "over50" is often
  an age) is not read;
- never a price: a number followed by a unit ("256gb", "2 tb", "55 inch", "8-core", "50%",
  "1080p", "5 ms", '65"' and the typographic inch marks ” ″ ′′ ''; the amounts of food,
  supplements and care products and the ratings of gear: "100 calories", "100 cal", "200
  kcal", "100 mg", "400 mcg", "1000 iu", "5 grams", "5 net carbs", "12 fl oz", "20 degrees",
  "3000 psi", "400 grit", "12 gauge", "50 spf") or by a counted noun ("3 pack", "2 year", "10
  hours", "4.5 stars", "5 year old", "100 tablets", "300 softgels", "500 wipes", "100 pods",
  "50 bags", "30 servings", "64 colors"; plural only where a singular starts a product's
  name: "under 200 color printer" is a price; ports, outlets, slots and the like also two
  words later: "4 hdmi ports"); "4k", "5k", "8k" without a
  currency mark (resolutions); "from <year>" ("from 2019", "from 2019 to 2021"); a range whose
  number has a unit ("55 - 65 inch price"); a number after a bare "max" / "min", which are
  often part of a name ("iphone 13 pro max 256", "nike air max 270"), unless the number has
  a currency mark ("max $500"), a price word is next to it ("max price 500") or it follows a
  comma ("tv, max 500");
- never a price, with a currency mark or not: a discount, an amount followed by "off" ("up to
  70 off", "up to $70 off", "70 dollars off", "70 % off"; not "off-white", "off road", "off
  (the) shoulder", "off brand") or a bound or range right after "save", "saving(s)",
  "discount(s)", "rebate(s)", "cash back" (the amount saved: "save up to 50", "savings of over
  $100"); and a body or garment measurement: a number followed by waist, inseam, inside leg,
  leg length, bust, chest, hip(s), neck, sleeve(s), length, rise or thigh ("jeans over 30
  waist", "over 32 inseam", "over 34 sleeve length"; not the first word of a product's name:
  "under 20 neck pillow", "under 30 waist trainer", "under 200 chest of drawers", "hip
  flask"), or a bound or range right after waist, inseam, inside leg, bust or a leg, sleeve,
  inseam or arm length (also with "size" or "measurement" after it) or spf that has no number
  of its own ("jeans waist over 30", "waist size between 30 and 34", "sunscreen spf over 50";
  "jeans 32 waist under 50" and "50 spf under 20" are prices). A bare chest, length, sleeve
  or rise before a bound is no measurement: "toy chest under 100", "full length mirror under
  50", "laptop sleeve under 20" are prices;
- no price without a currency mark either (``_AGE_CONTEXT``, ``_SCREEN_CONTEXT``): a whole
  number that may be an age right after a person or an animal ("toys for kids under 5",
  "dress for girls under 10", "toys for kids from 3 to 5", "gifts for women over 50", "gift
  for a boy under 10", "kids aged under 5"; a child's age up to 18, an adult's from 30 to 99
  and only after a lower bound or in a range, so "toys for kids under 20", "gifts for men
  under 20" and "jacket for women under 50" are prices; a pet's age or weight
  up to 199: "bed for dogs over 50"), while "toys for kids under $20" is a price; and a number
  after "up to" or a lower bound ("over", "at least", "from", a range) that may be the screen
  size of a screen product the query names or of what holds, carries or fits one, up to its
  largest size: tv, television, screen, display, mount, bracket, fits (100), monitor (60),
  laptop, notebook, macbook, bag, backpack, sleeve (18), tablet, ipad (13): "tv wall mount up
  to 65", "laptop bag fits up to 15.6", "monitor at least 27". "tv over 50" is no bound: a
  50-inch floor or a price no tv is under (which filters nothing). "under" after such a
  product is read as a price, the usual query ("tv under 800", "monitor under 100", "tv
  under 50"); "him" / "her" are no age context ("gifts for him under 50" is a price);
- a negated bound word is the other bound at its amount: a bound word right after "not",
  "no", "never", "nothing", "none" or a word ending in "n't", up to three filler words apart,
  and a bound joined to a negated one by "or" / "nor": "not over / above / more than 500",
  "not at least 500", "never above 300", "nothing over 500", "don't want to spend over 500",
  "not $300 or more" are at most that amount (price_max), "not under / below / less than /
  cheaper than 500", "not at most 500", "isn't even under 1k", "not under a grand" at least it
  (price_min; "anything but under 500" reads the same), and "not under 500 or over 900" is
  both (500 to 900). A negated bound and a plain one both hold: the narrowest is kept ("tv
  under 800 not over 900": 800). Its number is no price where it may be an age or a screen
  size after either bound ("toys for kids not over 5", "monitor not under 27"). A negated "up
  to", "within", "from", "starting at", "max" / "min", "budget", "sub" or range gives no value
  ("not up to 500", "not between 100 and 200"); "no more than" / "not more than" (upper) and
  "no less than" / "not less than" (lower) are bound words of their own (above), read as usual;
- conflicts give no value: two different values for one bound ("under 300 or under 500"),
  two different ranges, or a lower bound above the upper one (then neither is kept).

Sizes (:func:`parse_sizes`): a number with a size unit (inch, inches, in, the inch marks " ” ″
′′ '', gb, tb, mb, mm, cm, m, ft, feet, foot, oz, ounces, qt, quarts, cu ft, cubic feet, gal,
gallons, and gigabytes, millimeters, metres, mtr and the like spelt out) as written in the
query: "55 inch", "43in", "20 gallon", '65"', "65”", "55-inch", "1.5 cu ft", "1/2 inch", "1 1/2
inch", "6 foot", "2m", "1.5 m", "3 metre" (no "m" of a name: "m.2", "m3", "m18"),
"2,5 inch" (a decimal comma, kept as written; "1,000 gb", thousands or three decimals, is no
size). An inch mark written with two characters (″, which NFKC writes ′′, '' and ’’) is the one
mark '"' in the value ('50″', "50''": '50"', a term an index holds; ” is kept), and so is a
fraction written with the fraction slash ("1⁄2 inch", as NFKC writes "½ inch": "1/2 inch"; the
"2 inch" of it was read before). Every number of a list that writes its unit once, after its
last number, is a size with that unit ("55 or 65 inch": "55 inch" and "65 inch"; "50, 55 or 65
inch", "64 or 128gb", "55 and 65 inch"), and what is before the list reads each of them ("tv
stand for 55 or 65 inch tv": none); the last joiner is "or", "and", "nor", "&", "vs" or "versus"
("65 vs 75 inch tv": both; "vs" joins alternatives, as it does brands): a bare number that no
such joiner joins to a size is none ("galaxy watch 4 40mm", "iphone 11, 64gb", "2 or 3 person
tent": no size unit), nor is one after a bound word, "to", "from" or a dimension's "x" ("tv
under 500 or 65 inch": 65 inch), and "2 and 1/2 inch" is one number. "N in 1" ("2 in 1 laptop",
"2-in-1") is a product type, not a size, and "65 in stock" is no size. A range ("55-65 inch",
"55 to 65 inch", "between 55 and 65 inch") gives **no** size: it is not a value any product has,
and a hard filter on it would remove every product. Neither does either side of a dimension pair
("24 x 36 inch", '24" x 36"', "24x36 inch", "72 inch by 72 inch", "2 x 8gb"): a 36-inch filter
is not the 24x36 frame. No size either (a hard filter on it would drop the products the query
asks for):

- a bounded size, which is no value a product has, like a range: a bound word right before it
  ("tv under 55 inch", "below", "over", "above", "up to", "at least", "at most", "max",
  "min", "less than", "smaller than", "more than", "bigger than" and any "-er than", "<",
  ">", "≤", "≥") or after it, up to two words apart ("55 inch or larger", "or bigger", "or
  more", "or less", "and up", "and above", "55 inch tv or bigger", "16gb ram at least"), a
  "max" / "min" or a "+" right after it ("65 inch max", '65"+'). Not bounds: "other than 55
  inch" (it excludes 55 inch), "55 inch and under $500" (a price), "8gb+128gb" (two sizes),
  "55 inch + soundbar", and a bare "max" / "min" after a name part ("pro", "xs", "air", "mi",
  "m1" ...: "iphone 13 pro max 256gb", "iphone xs max 64gb", "macbook pro m1 max 32gb");
- the size of the device the product fits, introduced by "for", "fits", "fit", "compatible with",
  "works with", "holds" or "supports": the size right after it (with "a", "the", "my", "all", "up
  to" ... between), whatever its unit ("tv stand for 65 inch tv", "case for 13 inch macbook",
  "soundbar for 55 inch tv", "laptop bag fits 15.6 inch laptop", "sleeve to fit 13 inch laptop",
  "tree skirt for 7 ft tree", "for 55 inch tv"), and a screen size (inch or an inch mark) that
  ends a screen device's phrase after it ("case for macbook pro 13 inch", "cover for samsung tv 55
  inch", "screen protector for iphone 14 pro max 6.7 inch"; "plus" after a model number or "edge"
  names the model: "case for iphone 8 plus 5.5 inch", "cover for galaxy s6 edge plus 5.7 inch";
  after the device it joins a second product, whose size it is: "mount for tv plus 55 inch
  soundbar"). A size that is no part of such a phrase is the product's own, and a search engine
  indexes accessories by the size they fit: "13 inch macbook case", "65 inch tv", "tv 65 inch",
  "16gb ram for macbook pro", "hdmi cable for tv 10 ft" and "sd card for switch 256gb" (not a
  screen size) and "tv for bedroom 32 inch" (no device) keep their size, and so, for now,
  does "65 inch tv stand". But a screen size beside a screen device and
  an accessory that fits a range of sizes (mount, bracket, arm, holder: :data:`SIZED_BY_DEVICE`)
  that no "with" / "and" / "plus" / comma parts from it ("tv mount 65 inch", "tv wall mount 65
  inch", "65 inch tv wall mount", "mount 65 inch tv", "monitor arm 27 inch") is the device's, a
  size hint (:func:`size_hints`, an UP boost in fusion.expand), no filter: the mount "fits
  32-70 inch TVs"; "65 inch tv with wall mount" keeps its size. "for" after a word that
  makes the sized thing the product ("looking for 55 inch tv", "search", "shopping", "deals",
  "price" ...) and a clothes' "fit" ("slim fit 32 inch jeans") introduce no device;
- the storage capacity (gb, tb, mb) that ends a device's phrase (an iphone, ipad, galaxy, laptop,
  macbook, tablet, phone, tv ... and its name) when an accessory of that device is sought
  (:data:`ACCESSORY_WORDS`, but "usb": a flash drive), named before the device (a cue and a brand
  may be between: "case for iphone 7 plus 128gb", "otterbox case for apple iphone 7 256gb") or up
  to three words after the capacity ("iphone 7 plus 128gb case", "galaxy s8+ 64gb screen
  protector"; not after "with", "and", "plus" ...: in "ipad 64gb with keyboard case" the ipad is
  sought): no accessory has the capacity, so a filter on it would remove every one. Without such
  an accessory the capacity is the product's: "iphone 7 plus 128gb", "galaxy s8 64gb", "128gb usb
  drive", "sd card for switch 256gb", "memory card for galaxy s8 128gb", "usb for iphone 128gb";
- a length that measures a part of the product, no size it is sold in: any length (inch, an
  inch mark, cm, mm) in a query that names heels ("4 inch heels", "heels 4 inch", "block heels
  3 inch", "3 inch heel sandals", "stilettos 10 cm": a heel's height; shoes are sold in UK 6,
  US 8 ...), a length right before or after an inseam, a rise, a leg opening or a sleeve,
  blade, heel or leg length or height ("5 inch inseam running shorts", "inseam 32 inch", "10
  inch rise jeans", "heel height 3 inch"), before a sleeve on clothing ("dress shirt 34 inch
  sleeve"; "13 inch sleeve" and "computer sleeve 13 inch" are a laptop sleeve's size) and
  before a blade on a knife ("pocket knife 3 inch blade"; "10 inch blade" may be a saw's),
  and a thickness: a length before "thick" or "thickness" or after "thickness" ("2 inch thick
  cutting board", "1 inch thick yoga mat", "thickness 2 inch") and any length in a query that
  names a mattress, a topper or a cushion (not a cushion cover): its inches are its thickness
  ("10 inch mattress", "12 inch mattress queen": Queen, "3 inch memory foam topper").
  The words stay in the text searched;
- metres that are no length of the product (:func:`_not_metres`): a depth a watch is water
  resistant to or a wireless range ("dive watch 200m", "wifi range 100 m"), an "m" after
  "size" or in a query that names clothing, footwear, diapers, a baby, women or men ("size 10
  m", "12m baby": a width, a medium, a month), and an integer glued to "m" in a query that names
  nothing sold by length (a cable, a cord, a wire, a hose, string lights...: "3m tape", the
  brand; "tattoo tubes 11m"; "2m hdmi cable" and "1 m floor cushion" are metres).

An audio plug's size (3.5 mm, 6.35 mm in a query that names audio or a connector: jack, aux,
headphone, mic, rca, adapter, cable, transmitter, "to" ...; 2.5 mm, 1/8 and 1/4 inch in one
that names audio) is a size hint (:func:`size_hints`), no filter: it is what the
product connects to ("usb c to 3.5mm adapter", "3.5mm to rca", "bluetooth transmitter
3.5mm", "3.5mm microphone"); a cable's length keeps its filter ("3.5 mm thin cable 1.5 feet":
1.5 feet), and so do "3.5mm crochet hook", "3.5mm wall plug" (an anchor: "plug" alone names
no audio), "2.5mm electrical cable" (a wire's gauge) and "1/4 inch drill bit".

Two storage sizes (MB, GB, TB) that are no alternatives are two parts of the product, memory and
storage, each a size hint, no filter ("laptop 16gb ram 512gb ssd", "15.6 inch laptop 1tb 16gb",
"macbook pro 16gb 512gb", "chromebook 4gb 32gb"; a search engine ORs the values of one
dimension): not joined by "or", "," or "vs", and the larger at least 8 times the smaller, or 4
times in a query that names memory (ram, memory, ddr4 ...). Others are alternatives and stay
("ssd 500gb or 1tb", "phone 64 or 128gb", "iphone 64gb 256gb", "ssd 256gb 1tb", "ram 16gb
32gb", "tablet 8gb 32gb"), and so are two storage sizes in a query for storage media or a
device sold by its storage alone that names no memory ("ssd 128gb 1tb", "flash drive 8gb
64gb", "iphone 32gb 256gb"), and two sizes of any other unit: a screen has one size ("55
inch and 65 inch tv", "4mm 6mm 8mm ring").

The capacity (gallons, quarts, ounces) of a container that the product serves, named in the
size's clause, is a size hint (:func:`size_hints`, an UP boost in fusion.expand), no filter: a
pump, a filter, a heater, a lid, a stand, a light... after the container or before a
"for" / "fits" the container follows ("aquarium heater 50 gallon", "5 gallon bucket lid", "40
gallon tank stand", "air pump for aquarium 40 gallon"), and a water dispenser, which takes a
jug ("5 gallon water dispenser"). The container keeps its size ("20 gallon fish tank", "5
gallon bucket", "fish tank 20 gallon with filter"), and so do a liner, sold by the size of the
can it lines ("13 gallon trash can liners", "55 gallon drum liners"), "50 gallon water heater", "2
gallon beverage dispenser" and "pressure tank for well pump 20 gallon" (the tank is sought).

Numeric garment and shoe sizes: a whole or half number right after "size" ("size 8", "size:
8.5") in a query that names clothing (:data:`_CLOTHING`) or footwear (shoes, sneakers, boots,
heels, sandals, pumps, cleats, slippers ...: :data:`_FOOTWEAR`), diapers or a sports ball
(soccer ball, basketball, football ...: :data:`_BALLS`) is a size, as written ("adidas
sneakers size 8 white": "8", "size 10 shoes for men": "10", "size 5 soccer ball": "5"); not in
a query that names none of them ("gauges size 00", "sketchers for girls size 1": a brand is no
footwear word) or names hosiery (socks, tights, panty hose: sold in bands of shoe sizes, "socks
9-11"), nor a range, list or pair ("size 6-7", "size 9 to 11", "size 8 or 9"), an age ("size
24 month", "size 3t") or a bounded size ("size 10 and under"). A size in a size system ("uk
9", "us 10.5", "eu size 42") and the waist, or waist and length, of trousers ("jeans 32x30",
"34 waist jeans", "waist 34") are no size (:func:`size_hints`: "UK 9", "32x30", "34", an UP
boost in fusion.expand): no query of the data sets writes one, and a catalogue writes them in
many forms ("UK 9", "9 UK", "32W x 30L").

Sizes written as words (a value as a catalogue's size facet and the KG hold it, "M", "XL",
"2XL", "34B", "King"; their place in the query includes the word "size", so "not size m"
excludes M):

- a clothing letter size (xxs, xs, s, m, l, xl, xxl, xxxl, 2xl to 5xl) next to the word "size",
  in either order ("kurti size m", "kurti m size", "l size", "size: xl", "plus size 3xl"), and
  a bra size, band and cup, likewise ("bra size 34b": "34B"); not a letter after a number ("5 l
  size": litres), nor one before "size" and a number ("women s size 10"), nor a single letter
  after a name's word ("galaxy s size", "type s size"), nor one after a bed size's "size"
  ("queen size m", "boys queen size s", "electric blanket twin size s": the start of the next
  word; Twin where bedding is named);
- a letter size of several letters (xxs, xs, xl, xxl, xxxl, 2xl to 5xl) without "size" only
  next to clothing (shirt, t shirt, kurti, dress, jeans, jacket, bra, vest, socks ... :
  :data:`_CLOTHING`): after it, up to three words apart ("t shirt xxl", "shirts for men 4xl"),
  or before it, up to two ("2xl tall man shirt", "pink 2xl safety vest"); not after a model's
  name or a number ("iphone xs", "pixel xl", "pixel 3 xl", "nintendo 2ds xl") nor before "max"
  ("iphone xs max"), nor without clothing ("xl bully", "moleskin classic xl", "xxl wraps"). A
  single letter alone is no size: it is as often a name's or a shape's ("galaxy s", "l shaped
  desk", "m.2 ssd", "t shirt l"); "size matters" holds no size;
- a bed size (twin, full, double, queen, king; "twin xl", "full xl": "Twin XL"; "california
  king", "cal king": "California King", "split king", "super king", "olympic queen"; "full/queen":
  "Full/Queen") in a query that names bedding (bed, sheets, mattress, comforter, duvet, quilt,
  blanket, pillow ...: :data:`_BEDDING`), before "size" ("king size bedsheet", "queen-size
  comforter": "King", "Queen"), or without it next to bedding, up to three words apart with no
  joiner between ("twin comforter", "full bed frame", "cal king bamboo sheets", "mattress
  protector full", "comforter sets twin"; a bare "double" is none: "double layer blanket"):
  "king size chocolate", "queen size 7 panty hose", "full size mirror", "full size crib" and
  "microwaves full size" hold none, nor do "full body pillow", "full length", "full hd", "full
  zip", "full coverage", "twin pack", "king koil" (a maker), "alaskan king" (no value read) and
  the two sizes of a bunk bed ("twin over full");
- every size of a list of them ("size m or l", "shirt xl, xxl or 3xl", "queen or king size
  sheets"), and none of a bounded one ("size m or larger", "t shirt up to xxl"); "size s/m" and
  "l-xl" (one size of two, or a range?) give none. Spelt-out sizes ("size large", "medium
  size") and plus sizes written "2x" are not read.

Example:
    >>> parse_price("tv under 1k"), parse_price("headphones $100-200")
    ((None, 1000.0), (100.0, 200.0))
    >>> parse_price("over 200 under 500"), parse_price("iphone 13 pro max 256gb")
    ((200.0, 500.0), (None, None))
    >>> parse_price("under $1,299.99"), parse_price("55 inch tv")
    ((None, 1299.99), (None, None))
    >>> parse_sizes('samsung 65" tv'), parse_sizes("2 in 1 laptop with 1/2 inch bezel")
    (['65"'], ['1/2 inch'])
    >>> parse_sizes("55-65 inch tv")
    []
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import pairwise
from typing import NamedTuple

__all__ = ["Size", "find_sizes", "parse_price", "parse_sizes", "price_spans", "size_hints"]


# --- prices ---------------------------------------------------------------------------------


# a dollar sign, also with a country's letters glued before it ("US$500", "C$99")
_DOLLAR = r"(?:\b(?:us|au|ca|nz|hk|[acs]))?\$"


#: the number words after an amount that multiply it ("1.5k", "1.5 k", "20 thousand", "20
#: thou", "1 lakh", "2 crore", "1 cr"); "lac" is a spelling of lakh, "cr" of crore
_MULTIPLIERS: dict[str, Decimal] = {
    "k": Decimal(1000), "hundred": Decimal(100), "thousand": Decimal(1000),
    "thou": Decimal(1000), "lakh": Decimal(100_000), "lac": Decimal(100_000),
    "crore": Decimal(10_000_000), "cr": Decimal(10_000_000)}
#: a currency's hundredth after a whole number, read as that many hundredths of the amount
#: ("under 99 cents": 0.99, "50 pence", "50 paise", "99¢": 0.5, 0.5, 0.99; in whatever currency
#: the catalogue prices in, as every amount is read); with decimals or a fraction it is no amount
_SUBUNITS: dict[str, Decimal] = dict.fromkeys(
    ("cent", "pence", "penny", "pennies", "paise", "paisa", "¢"), Decimal("0.01"))
#: number words after an amount that give no amount read surely: a count as much as money
#: ("probiotics over 50 billion", "under 2 dozen"), a thickness as much as money ("6 mil
#: plastic", thousandths of an inch) or slang ("under 2 grand"), and the short forms of million
#: and billion ("1 mil", "1 mill", "1 mn", "1 mln", "1 bn", "1 bil"); the bound is void (read as
#: the number alone, "under 2 grand" was a price_max of 2, "under 1 mil" of 1)
_UNREAD_MULTIPLIERS = ("million", "mil", "mill", "mn", "mln", "billion", "bil", "bn", "bln",
                       "trillion", "tn", "grand", "dozen")
_MULTIPLIER_WORDS = "|".join(sorted(
    (*(w for w in (*_MULTIPLIERS, *_SUBUNITS) if w != "k"), *_UNREAD_MULTIPLIERS),
    key=len, reverse=True))
# a multiplier after a number: a glued "k" ("1k"), a spaced one ("1.5 k"; not "10 k cups", the
# coffee pods) or a number word, glued or spaced, singular or plural ("1 lakh", "2 lakhs",
# "20 thousand", "1lac", "99 cents")
_MULTIPLIER = (r"k(?![a-z0-9])|\s+k(?![\w'’-])(?!\s+cups?\b)"
               rf"|\s*(?:{_MULTIPLIER_WORDS})s?(?![\w'’-])")
# the vulgar fractions, as typed (NFKC writes "½" as "1⁄2", with the fraction slash U+2044)
_VULGAR = {"½": Decimal("0.5"), "¼": Decimal("0.25"), "¾": Decimal("0.75")}
# a fraction of a multiplied amount: "1 1/2 lakh", "1 1⁄2 thousand" (NFKC of "1 ½"), "1½ lakh",
# read only before a multiplier word (then 150000, 1500, 150000)
_FRACTION = (rf"(?:\s+\d+[/⁄]\d+|\s*[{''.join(_VULGAR)}])"
             rf"(?=\s*(?:{_MULTIPLIER_WORDS})s?(?![\w'’-]))")


def _num(i: int) -> str:
    """A number as written (validated by :func:`_amount`): an optional currency mark before,
    digit groups with "," / ".", space-separated thousands groups (" 000" in "1 000 €", with
    cents "," / "." after them: :func:`_grouped`), the fraction of a multiplied one
    (:data:`_FRACTION`: "1 1/2 lakh"), an optional multiplier (:data:`_MULTIPLIER`: "1k", "1.5
    k", "1 lakh", "20 thousand", "99 cents")."""
    return (rf"(?P<cur{i}>(?:{_DOLLAR}|[€£₹¥]|\b(?:usd|inr|rs|rupees?)\b\.?)\s*)?"
            rf"(?P<n{i}>\d+(?:[.,]\d+)*)(?P<g{i}>(?:[ \u00a0\u202f]\d{{3}})++(?:[.,]\d+)?(?!\d))?"
            rf"(?P<f{i}>{_FRACTION})?(?P<k{i}>{_MULTIPLIER})?")


_KNOWN_WORDS = {**_MULTIPLIERS, **_SUBUNITS}


def _word_multiplier(word: str) -> Decimal | None:
    """The multiplier of a number word, singular or plural ("lakhs", "cents"); ``None`` for
    one that gives no amount read surely (:data:`_UNREAD_MULTIPLIERS`)."""
    word = word.strip().lower()
    return _KNOWN_WORDS.get(
        word, _KNOWN_WORDS.get(word[:-1]) if word.endswith("s") else None)


def _multiplier(m: re.Match[str], i: int) -> Decimal | None:
    """The multiplier number ``i`` of ``m`` is written with: 1 without one, ``None`` for a word
    that gives no amount read surely (:data:`_UNREAD_MULTIPLIERS`)."""
    k = m.group(f"k{i}")
    return _word_multiplier(k) if k else Decimal(1)


def _subunit(m: re.Match[str], i: int) -> bool:
    """Whether number ``i`` of ``m`` is counted in a currency's hundredths ("99 cents")."""
    k = m.group(f"k{i}")
    return bool(k) and _word_multiplier(k) in _SUBUNITS.values()


def _fraction(m: re.Match[str], i: int) -> Decimal | None:
    """The fraction of number ``i`` of ``m`` ("1/2" of "1 1/2 lakh"), 0 without one; ``None``
    for one that is no proper fraction ("1 3/2 lakh", "1 1/0 lakh")."""
    f = (m.group(f"f{i}") or "").strip()
    if not f:
        return Decimal(0)
    if f in _VULGAR:
        return _VULGAR[f]
    num, den = (int(x) for x in re.split("[/⁄]", f))
    return Decimal(num) / Decimal(den) if 0 < num < den else None


# a second amount right after a multiplied one: one amount written in two parts ("1 lakh 50
# thousand", "2 thousand 5 hundred", "1 lakh crore"; with "and" only a smaller part: "1 lakh and
# 50 thousand", not the range "between 50 thousand and 1 lakh"), which is not read (no bound:
# read as its first part, it was a wrong one)
_COMPOUND_AFTER = re.compile(
    rf"\s*(?:(?P<joined>and\s+)?\d+(?:[.,]\d+)*\s*)?(?P<word>{_MULTIPLIER_WORDS})s?(?![\w'’-])",
    re.I)


def _compound(text: str, m: re.Match[str], i: int) -> bool:
    """Whether the multiplied number ``i`` of ``m`` is the first part of an amount written in
    two (:data:`_COMPOUND_AFTER`)."""
    after = _COMPOUND_AFTER.match(text, m.end(f"k{i}"))
    if after is None:
        return False
    if not after.group("joined"):
        return True
    first, second = _multiplier(m, i), _word_multiplier(after.group("word"))
    return first is None or second is None or second < first


# right after a number: a currency word or mark ("500 dollars", "500$")
_CURRENCY_AFTER = re.compile(
    r"\s*(?:(?:us|au|ca|nz|hk)?\$|[€£₹¥]|(?:us\s?)?dollars?\b|usd\b|bucks\b|euros?\b|inr\b"
    r"|rupees?\b|rs\b)", re.I)

# units that make a number a spec, spaced or hyphenated ("2 tb", "8-core"); glued letters
# ("256gb") are a spec whatever they are
_UNITS = (
    r"gb|tb|mb|kb|gigs?|gigabytes?|terabytes?|megabytes?|inch(?:es)?|ft|feet|foot|cm|mm|m|"
    r"meters?|metres?|km|miles?|yards?|yd|hz|khz|mhz|ghz|w(?!/)|watts?|kw|v|volts?|mah|amps?|"
    r"mp|megapixels?|lbs?|pounds?|oz|ounces?|kg|g|ml|liters?|litres?|qt|quarts?|gal|gallons?|"
    r"cu|sq|rpm|btu|fps|dpi|db|ohms?|mph|lm|lumens?|cores?|threads?|bits?|gen|generation|"
    r"ms(?!\s+office)|nits?|ppi|[kmg]bps|k?wh|ah|ma|va|awg|nm|"
    # the amounts of food, supplements and care products and the ratings of tools and gear
    # ("cereal under 100 calories", "coffee under 100 mg caffeine", "vitamin d under 1000 iu",
    # "shampoo under 12 fl oz", "sleeping bag under 20 degrees", "sandpaper over 400 grit",
    # "sunscreen over 50 spf"; "mg" was neither "m" nor "g", each wanting no letter after it;
    # not "cal king", a bed size). (µg is μg once NFKC-normalised, as the pipeline reads it)
    r"k?cal(?:orie)?s?(?!\s+king\b)|grams?|mgs?|mcgs?|[µμu]g|iu|net\s+carbs?|carbs?|"
    r"fl\.?\s*oz|fluid\s+(?:oz|ounces?)|°[fc]?|degrees?|deg|psi|grit|gauge|spf|"
    # counted nouns right after the number ("3 pack", "2 year warranty", "4.5 stars", "100
    # tablets", "500 wipes", "64 colors"; "under 200 tablets" may be a tablet's price too: no
    # bound only leaves more results). Plural only where a singular starts a product's name
    # ("under 200 color printer", "capsule coffee machine", "serving bowls", "strip lights")
    r"packs?|pk|pcs|pieces?|count|ct|years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|"
    r"mins?|seconds?|secs?|stars?|people|persons?|players?|pairs?|olds?|"
    r"sheets?|rolls?|seater|gang|ply|percent|times|speeds?|"
    r"tablets|tabs|capsules|caps|softgels|soft\s*gels|gummies|pills|lozenges|chews|wipes|"
    r"pods|bags|diapers|loads|servings|doses|strips|sachets|colou?rs|"
    # body and garment measurements ("jeans over 30 waist", "32 inseam", "over 40 bust"): a
    # size; not the first word of a product's name ("under 20 neck pillow", "under 30 waist
    # trainer", "under 200 chest of drawers", "hip flask", "hip hop")
    r"(?:waist|inseam|inside\s+leg|leg\s+length|bust|chest|hips?|neck|sleeves?|length|rise|"
    r"thigh)(?!\s+(?:of|hop|pillows?|fans?|gaiters?|massagers?|warmers?|braces?|supports?|"
    r"straps?|ties?|lace|chains?|beads|belts?|bags?|packs?|trainers?|cinchers?|enhancers?|"
    r"flasks?|freezers?|rigs?|harness(?:es)?)\b)"
)
# counted nouns that may come up to two words later ("4 hdmi ports", "6 ac outlets")
_NOUNS = r"ports?|outlets?|slots?|bays?|inputs?|outputs?|channels?|cores?|threads?"
# words that end the look for a counted noun ("under 500 with hdmi ports")
_STOP = (r"with|without|for|and|or|in|on|at|of|to|the|a|an|plus|from|by|under|over|below|"
         r"above|than|less|more|max|min|price|budget|dollars?|usd|bucks|w")
_SPEC_AFTER = re.compile(
    r"(?:[a-z%\"'°”″′’]"  # glued letters or marks: 256gb, 13th, 1080p, 50%, 65", 65”, 65′′
    r"|[/⁄]\d"  # a fraction: 1/2, 1⁄2 (the fraction slash, NFKC's "½")
    rf"|\s*-?\s*(?:{_UNITS})(?![a-z0-9])"
    r"|\s+in(?=\s*$|\s*[^\w\s]|\s+(?:tvs?|television|monitors?|screens?|displays?|laptops?|"
    r"tablets?)\b)"  # "over 50 in tv" (but not "under 500 in black")
    r"|\s*[x×]\s*\d"  # dimensions: 55 x 30
    rf"|\s*-?\s*(?:(?!(?:{_STOP})\b)[a-z][a-z0-9.+-]*\s+){{0,2}}(?:{_NOUNS})(?![a-z0-9])"
    r")",
    re.I,
)
# right after an amount, with or without a currency mark: a discount ("up to 70 off", "$70 off",
# "up to 70 dollars off", "70 % off"), which is no price; not the colour "off-white" nor "off
# road", "off grid", "off (the) shoulder", "off brand"
_DISCOUNT_AFTER = re.compile(
    rf"(?:{_CURRENCY_AFTER.pattern})?(?:\s*(?:%|percent\b|pct\b))?\s*-?\s*off\b"
    r"(?![\s-]*(?:white|road|roader|grid|brand|(?:the\s+)?shoulders?)\b)",
    re.I,
)
# right before a bound or a range: what it bounds is no price. The amount saved ("save up to
# 50", "savings of over $100", "discount up to 30", "cash back up to 200") or a body or garment
# measurement ("jeans waist over 30", "inseam length at least 32", "waist size between 30 and
# 34"; not a bare "length", "chest", "sleeve" or "rise": "full length mirror under 50", "toy
# chest under 100", "laptop sleeve under 20", "high rise jeans" are priced), or a sun
# protection factor ("sunscreen spf over 50", "spf between 30 and 50"; "50 spf under 20" is
# priced, as "jeans 32 waist under 50" is)
_NOT_PRICE_BEFORE = re.compile(
    r"(?<![\w'’-])(?:(?:save|saves|saving|savings|discounts?|rebates?|cash\s*back)"
    r"(?:\s+(?:of|by))?"
    r"|(?P<measure>waist|inseam|inside\s+leg|bust|(?:leg|sleeve|inseam|arm)\s+length|spf)"
    r"(?:\s+(?:size|measurement))?)\s*:?\s*$",
    re.I,
)
# a number right before a measurement word: the measurement is given ("jeans 32 waist under 50",
# "34 inch inseam under 40"), and the bound after it is a price again
_MEASURED = re.compile(r"\d\s*-?\s*(?:inch(?:es)?|in|\"|”|″|′′|'')?\s*$", re.I)
#: characters before a bound or a range searched for :data:`_NOT_PRICE_BEFORE`
_NOT_PRICE_WINDOW = 40
# a fraction after a number with no currency mark: a mixed number, a measure ("drill bit under
# 1 1/2", "1 1⁄2 inch", "tv under 1½", a vulgar fraction as typed), no price ("under $50 1/2
# inch drill bit" is one)
_MIXED_AFTER = re.compile(r"\s+\d+[/⁄]\d|\s*[\u00bc-\u00be\u2150-\u215e]")
# after "4k" and the like: a resolution, not thousands
_RESOLUTION_AFTER = re.compile(r"\s*(?:resolution|res|uhd|qhd|hdr)\b", re.I)
_PRICE_WORD_BEFORE = re.compile(
    r"\b(?:price[ds]?|budget|cost)(?:\s+range)?\s*(?::|of|is|around)?\s*$", re.I
)
_PRICE_WORD_AFTER = re.compile(r"\s*(?:price|budget)\b", re.I)
_YEAR = re.compile(r"(?:19|20)\d\d")


def _people(plural: str, singular: str) -> re.Pattern[str]:
    """Who (or what) a bound right after may be the age of: a plural noun ("toys for kids
    under 5") or a singular one after "for" ("gift for a boy under 10"), then an optional
    "aged" ("kids aged under 5")."""
    return re.compile(
        rf"(?:(?<![\w-])(?:{plural})|\bfor\s+(?:(?:a|an|my|the|your|our|his|her)\s+)?"
        rf"(?:{singular}))(?:'s)?(?:\s+(?:aged?|ages|who\s+are|that\s+are))?\s*$", re.I)


#: the adults' ages of :data:`_AGE_CONTEXT`: read as an age after a lower bound or in a range,
#: not after an upper bound
_ADULT = range(30, 100)
#: a person or an animal right before a bound, with the numbers that may be their age (or a
#: pet's weight in pounds: "bed for dogs over 50"): such a whole number is no price without a
#: currency mark ("toys for kids under 5", "gifts for women over 50"); an adult's age is 30 or
#: more in such queries ("gifts for men under 20" is a price), and only a lower bound or a
#: range reads as one: "under 50" after an adult is the usual budget ("jacket for women under
#: 50", "gift for dad under 50"), "over 50" an age (:data:`_ADULT`)
_AGE_CONTEXT: tuple[tuple[re.Pattern[str], range], ...] = (
    (_people(r"kids|children|boys|girls|babies|toddlers|infants|newborns|teens|teenagers|"
             r"tweens|youths|juniors",
             r"kid|child|boy|girl|baby|toddler|infant|newborn|teen|teenager|tween"), range(19)),
    (_people(r"women|men|ladies|gentlemen|adults|seniors|elderly|parents|grandparents|moms|"
             r"mums|mothers|dads|fathers|grandmas|grandpas|wives|husbands|sons|daughters",
             r"woman|man|lady|gentleman|adult|senior|parent|grandparent|mom|mum|mother|dad|"
             r"father|grandma|grandpa|grandmother|grandfather|wife|husband|son|daughter"),
     _ADULT),
    (_people(r"dogs|cats|puppies|kittens|pets", r"dog|cat|puppy|kitten|pet"), range(200)),
    (re.compile(r"\b(?:ages?|aged)\s*$", re.I), range(100)),
)
#: characters before a bound searched for an age context
_AGE_WINDOW = 60
#: a screen product, or what holds, carries or fits one, with its largest screen size (inches):
#: "up to" or a lower bound with an unmarked number up to it is no price ("tv wall mount up to
#: 65", "laptop bag fits up to 15.6", "tv over 50": the screen size, or a price no such product
#: is under, so it would filter nothing); "under" is read as usual ("tv under 800")
_SCREEN_CONTEXT: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\b(?:tvs?|televisions?|screens?|displays?|mounts?|brackets?|fits?|fitting)\b",
                re.I), 100),
    (re.compile(r"\bmonitors?\b", re.I), 60),
    (re.compile(r"\b(?:laptops?|notebooks?|macbooks?|chromebooks?|bags?|backpacks?|sleeves?)\b",
                re.I), 18),
    (re.compile(r"\b(?:tablets?|ipads?)\b", re.I), 13),
)

_SEP = r"\s*(?:-|–|—|to)\s*"
_CUR1 = (r"(?P<c1>\s*(?:(?:us|au|ca|nz|hk)?\$|[€£₹¥]|dollars?\b|usd\b|bucks\b|inr\b|rupees?\b"
         r"|rs\b))?")
_RANGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\bbetween\s+{_num(1)}{_CUR1}\s*(?:and|&|-|–|—|to)\s*{_num(2)}", re.I),
     "between"),
    (re.compile(rf"\bfrom\s+{_num(1)}{_CUR1}{_SEP}{_num(2)}", re.I), "from"),
    # (a group "0.." after a number is one of its thousands groups: "1 000 - 2 000 €")
    (re.compile(rf"(?<![\w.,/])(?!(?<=\d\s)0\d){_num(1)}{_CUR1}{_SEP}{_num(2)}", re.I), "bare"),
)
_KW_MAX = (r"\b(?:under|below|(?<!no )(?<!not )less\s+than|cheaper\s+than|lower\s+than|"
           r"up\s*to|at\s+most|no\s+more\s+than|not\s+more\s+than|within)\b|<=?(?!-)|≤")
_KW_MIN = (r"\b(?:over|above|(?<!no )(?<!not )more\s+than|greater\s+than|higher\s+than|"
           r"at\s+least|no\s+less\s+than|not\s+less\s+than|starting\s+(?:at|from)|from)\b"
           r"|(?<![-=])>=?|≥")
_PRICE_NOUN = r"(?:price|budget|cost)"
# a negation right before a bound (or a range), up to three filler words apart: "not under",
# "no over", "never above", "don't want to spend over", "isn't even under"
_NEGATION_CUE = "(?:\\b(?:not|no|never|nothing|none)\\b|n['\u2019]t\\b)"
_NEGATION = re.compile(
    rf"{_NEGATION_CUE}"
    r"(?:\s+(?:even|ever|really|just|much|anything|something|priced|costing|costs?|going|go|to"
    r"|want|need|show|me|spend|pay|be)\b){0,3}\s*$",
    re.I,
)
#: characters before a bound searched for its negation (the cue and three filler words)
_NEGATION_WINDOW = 80
# what joins a bound to a negated one before it: "not under 500 or over 900"
_NEGATION_CHAIN = re.compile(r"\s*,?\s*(?:or|nor)\s+(?:\b(?:not|no)\s+)?", re.I)
# a currency word or mark after an amount, read by :func:`_has_currency` ("500 dollars or less")
_CUR_AFTER = rf"(?:{_CURRENCY_AFTER.pattern})?"
# a bound written after its amount ("300 or less", "$300 or under", "300 and below"; "$300 or
# more", "$300 and up", "300 and above"), not one before another amount ("55 inch and under
# $500", "200 or more than 100": a bound of its own) nor "and up to"
_TAIL_MAX = r"(?:or|and|&)\s+(?:less|under|below|lower|cheaper)"
_TAIL_MIN = r"(?:or|and|&)\s+(?:more|up(?:wards?)?(?!\s+to\b)|above|over|higher|greater)"
_TAIL_END = (rf"(?![\w'’-])(?!\s*(?:than\b)?\s*(?:{_DOLLAR}|[€£₹¥]|\b(?:usd|inr|rs|rupees?)\b)?"
             r"\.?\s*\d)")
# a word right before a bare amount that numbers what it names, its model, version, generation
# or size ("ios 12 or below", "size 10 and under", "usb 3 or lower"), a count's ("pack of 10
# or less"), a rating's ("spf 30 or less"), or a number or a word with a digit ("ddr4 3200 or
# less", "ryzen 5 3600 or less"): a bound after it is no price
_NUMBERED_BEFORE = re.compile(
    r"(?:(?<![\w'’-])(?:sizes?|versions?|ver|v|gen|generation|series|level|grade|class|cat"
    r"|category|type|model|mark|mk|stage|step|spf|ios|android|windows|win|macos|os|usb|hdmi"
    r"|pcie|bluetooth|wifi|ps|xbox|iphone|ipad|galaxy|pixel|note|no|number"
    r"|(?:packs?|sets?|box(?:es)?|bundles?|lots?|pairs?|cases?)\s+of)|\w*\d[\w.]*|#)\s*$",
    re.I)
#: characters before a bare amount searched for :data:`_NUMBERED_BEFORE`
_NUMBERED_WINDOW = 30
_BOUNDS: tuple[tuple[re.Pattern[str], str, bool], ...] = (  # (pattern, bound, guarded)
    (re.compile(rf"(?P<kw>{_KW_MAX})\s*(?::\s*)?{_num(1)}", re.I), "max", False),
    (re.compile(rf"(?P<kw>{_KW_MIN})\s*(?::\s*)?{_num(1)}", re.I), "min", False),
    (re.compile(rf"\b(?:{_PRICE_NOUN}\s+max(?:imum)?|max(?:imum)?\.?\s+{_PRICE_NOUN})\s*"
                rf"(?::|of|is)?\s*{_num(1)}", re.I), "max", False),
    (re.compile(rf"\b(?:{_PRICE_NOUN}\s+min(?:imum)?|min(?:imum)?\.?\s+{_PRICE_NOUN})\s*"
                rf"(?::|of|is)?\s*{_num(1)}", re.I), "min", False),
    (re.compile(rf"\bmax(?:imum)?\b\.?\s*(?::\s*)?{_num(1)}", re.I), "max", True),
    (re.compile(rf"\bmin(?:imum)?\b\.?\s*(?::\s*)?{_num(1)}", re.I), "min", True),
    # a budget: "budget of 500", "my budget is 500", "budget: 500"; a bare "budget 500" only
    # with a currency mark, like "max": "budget" is as often an adjective ("budget 2 in 1
    # laptop", "budget 27 monitor")
    (re.compile(rf"\bbudget\s*(?:range\s*)?(?::|=|\bof\b|\bis\b)\s*{_num(1)}", re.I), "max",
     False),
    (re.compile(rf"\bbudget\b\s*{_num(1)}", re.I), "max", True),
    # "sub $500", "sub-$500": a bare "sub 500" is no price, "sub" is as often a subwoofer
    # ("polk sub 10", "sonos sub 2")
    (re.compile(rf"\bsub\b\s*-?\s*{_num(1)}", re.I), "max", True),
    # an amount one has to spend: "i have $300 to spend"
    (re.compile(rf"(?<![\w.,/'’-]){_num(1)}{_CUR_AFTER}\s+to\s+spend\b", re.I), "max", False),
    # a bound after its amount: "300 or less", "$300 and up" (:func:`_trailing`)
    (re.compile(rf"(?<![\w.,/'’-]){_num(1)}{_CUR_AFTER}\s*,?\s*(?P<tail>{_TAIL_MAX}){_TAIL_END}",
                re.I), "max", False),
    (re.compile(rf"(?<![\w.,/'’-]){_num(1)}{_CUR_AFTER}\s*,?\s*(?P<tail>{_TAIL_MIN}){_TAIL_END}",
                re.I), "min", False),
)


#: the largest amount read as a price (a trillion, in any currency): a larger number is no price
#: (up to it a float holds every cent; past about 1.8e308 the float was ``inf``)
_MAX_AMOUNT = Decimal(10) ** 12


def _grouped(text: str, m: re.Match[str], i: int) -> bool:
    """Whether number ``i`` of ``m`` has space-separated thousands groups ("1 000 €"): its
    last group is no number of its own with a unit ("under 200 128gb", "200 128 gb": 200,
    then 128gb; a group "0.." is no number of its own: "1 000 inch" is a spec)."""
    g = m.group(f"g{i}")
    if not g:
        return False
    return g.split()[-1].startswith("0") or not _SPEC_AFTER.match(text, m.end(f"g{i}"))


def spec_after(text: str, pos: int) -> bool:
    """Whether ``text`` at ``pos``, right after a number, makes the number a spec: glued
    letters or marks, a unit or a counted noun ("6 pack", "0.5 oz", "256gb", "3 pairs"), as
    the price patterns read it; not a number that ends the text or a name's ("windows 11").

    >>> spec_after("6 pack", 1), spec_after("256gb", 3), spec_after("windows 11", 10)
    (True, True, False)
    >>> spec_after("11 laptop", 2)
    False
    """
    return bool(_SPEC_AFTER.match(text, pos))


def _amount(text: str, m: re.Match[str], i: int) -> float | None:
    """The number ``i`` of ``m`` as an amount; ``None`` when its format is ambiguous or the
    amount is larger than :data:`_MAX_AMOUNT`."""
    s, k = m.group(f"n{i}"), m.group(f"k{i}")
    if _grouped(text, m, i):
        # "1 000", "10 000,50": 1-3 digits, the groups, cents with "," or "."; no "k"
        g = "".join(m.group(f"g{i}").split()).replace(",", ".")
        ok = not k and re.fullmatch(r"\d{1,3}", s) and re.fullmatch(r"\d+(?:\.\d{1,2})?", g)
        s += g
    elif k:
        # "1.5k", "1.25 lakh", "1 1/2 lakh", "99 cents"; not "1,5 lakh" nor "1 lakh 50
        # thousand" (one amount in two parts), "2 grand" is no amount read surely
        # (:data:`_UNREAD_MULTIPLIERS`), and hundredths are whole ("1.5 cents": none)
        whole = m.group(f"f{i}") or _subunit(m, i)
        ok = re.fullmatch(r"\d+" if whole else r"\d+(?:\.\d{1,3})?", s) \
            and _multiplier(m, i) is not None and _fraction(m, i) is not None \
            and not (_subunit(m, i) and m.group(f"f{i}")) and not _compound(text, m, i)
    else:
        # plain, thousands groups (1,000,000) or Indian lakh groups (1,00,000)
        ok = re.fullmatch(r"(?:\d+|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3})(?:\.\d{1,2})?", s)
    end = _end(text, m, i)
    if not ok or _AMOUNT_GOES_ON.match(text, end) or (
            m.group(f"cur{i}") and _CENTS_AFTER_MARKED.match(text, end)):
        return None
    value = (Decimal(s.replace(",", "")) + (_fraction(m, i) or 0)) * (_multiplier(m, i) or 1)
    # an amount no price has ("under 1" and 309 zeros was a price_max of inf: invalid JSON, and
    # a 500 for a whole HTTP batch), or one of a fraction of a cent ("1 1/3 lakh"): no bound
    if value > _MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        return None
    return float(value)


# more of an amount after its number (and currency word) that is not read: a part written in
# words or hidden ("1 and a half lakh", "1 point 5 lakh"; "1 x thousand" is how the parse
# hides "1 ½ thousand", a vulgar fraction, from the patterns) or a second part in a currency's
# hundredths after a currency word ("5 dollars 50 cents"; "between 5 and 10 cents" is a range
# of cents). The bound is void: read as the first number, it was a
# wrong one ("tv under 1 ½ thousand" was a price_max of 1)
_CENTS_AFTER = rf"\s*(?:and\s+)?\d+\s*(?:{'|'.join(_SUBUNITS)})s?(?![\w'’-])"
_AMOUNT_GOES_ON = re.compile(
    rf"\s*(?:x|and\s+an?\s+(?:half|quarter)|point\s+\d+)\s+(?:{_MULTIPLIER_WORDS})s?(?![\w'’-])"
    rf"|(?:{_CURRENCY_AFTER.pattern}){_CENTS_AFTER}",
    re.I,
)
_CENTS_AFTER_MARKED = re.compile(_CENTS_AFTER, re.I)  # ("$5 and 50 cents")


def _end(text: str, m: re.Match[str], i: int) -> int:
    """Where number ``i`` of ``m`` ends: its multiplier ("k", "lakh"), its thousands groups or
    its digits."""
    if m.group(f"k{i}"):
        return m.end(f"k{i}")
    return m.end(f"g{i}") if _grouped(text, m, i) else m.end(f"n{i}")


def _has_currency(text: str, m: re.Match[str], i: int) -> bool:
    """Whether number ``i`` of ``m`` has a currency mark or word, before or after it, or is
    counted in a currency's hundredths ("99 cents")."""
    return bool(m.group(f"cur{i}")) or _subunit(m, i) \
        or bool(_CURRENCY_AFTER.match(text, _end(text, m, i)))


#: a closing quote mark -> its opening one: a mark that closes a quote is no inch mark
_QUOTES = {'"': '"', "”": "“", "''": "''", "’’": "‘‘"}


def _closes_quote(text: str, pos: int) -> bool:
    """Whether the mark at ``pos`` closes a quote opened before it ('"iphone 11"', “tv under
    500”): then it is no inch mark. A '"' (or "''") right after a number opens no quote: it is
    an inch mark, and the next one is another ('tv not 55" or 65"': two sizes)."""
    for close, opening in _QUOTES.items():
        if text.startswith(close, pos):
            if opening == close:
                quoted = False
                for q in re.finditer(re.escape(close), text[:pos]):
                    if quoted:
                        quoted = False  # it closes the quote
                    elif not text[q.start() - 1:q.start()].isdigit():
                        quoted = True  # it opens one (an inch mark after a number does not)
                return quoted
            return text.count(opening, 0, pos) > text.count(close, 0, pos)
    return False


def _is_spec(text: str, m: re.Match[str], i: int) -> bool:
    """Whether number ``i`` of ``m`` is a spec (a unit, a counted noun or a measurement
    follows, a resolution) or a discount ("off" follows, also after a currency mark: "$70 off")
    rather than an amount."""
    end = _end(text, m, i)
    if _DISCOUNT_AFTER.match(text, end):
        return True
    if _CURRENCY_AFTER.match(text, end):
        return False
    if _SPEC_AFTER.match(text, end) and not _closes_quote(text, end):
        return True
    if not m.group(f"cur{i}") and _MIXED_AFTER.match(text, end):
        return True  # "drill bit under 1 1/2": a measure ("1 1/2 lakh" is read whole)
    if m.group(f"k{i}") and m.group(f"k{i}").strip().lower() == "k":
        resolution = m.group(f"n{i}") in ("4", "5", "8") and not m.group(f"cur{i}")
        return resolution or bool(_RESOLUTION_AFTER.match(text, end))
    return False


def _is_year(m: re.Match[str], i: int) -> bool:
    return (not m.group(f"cur{i}") and not m.group(f"k{i}") and not m.group(f"g{i}")
            and bool(_YEAR.fullmatch(m.group(f"n{i}"))))


def _plain(m: re.Match[str], i: int) -> Decimal | None:
    """Number ``i`` of ``m`` when it is written plain ("5", "15.6": no mark, "k" or groups)."""
    n = m.group(f"n{i}")
    if m.group(f"cur{i}") or m.group(f"k{i}") or m.group(f"g{i}") or m.group(f"f{i}") \
            or not re.fullmatch(r"\d+(?:\.\d+)?", n):
        return None
    return Decimal(n)


def _screen_size(text: str) -> int:
    """The largest screen size (inches) of the screen products the query names
    (:data:`_SCREEN_CONTEXT`), 0 when it names none."""
    return max((cap for pat, cap in _SCREEN_CONTEXT if pat.search(text)), default=0)


def _other_number(text: str, m: re.Match[str], numbers: tuple[int, ...], screen: int,
                  upper: bool = False, at: int | None = None) -> bool:
    """Whether the plain ``numbers`` of ``m`` (a bound or a range, with no currency mark) may be
    an age (:data:`_AGE_CONTEXT` right before ``m``; an adult's not after an upper bound:
    ``upper``) or a screen size up to ``screen`` (see :func:`_screen_size`; 0: not here): then
    they are no price."""
    plain = [_plain(m, i) for i in numbers]
    values = [v for v in plain if v is not None]
    if len(values) < len(plain):
        return False
    if max(values) <= screen:
        return True
    at = m.start() if at is None else at  # (where what is before the bound ends)
    before = max(0, at - _AGE_WINDOW)
    return all(v == v.to_integral_value() for v in values) and any(
        all(int(v) in ages for v in values) and pat.search(text, before, at)
        for pat, ages in _AGE_CONTEXT if not (upper and ages == _ADULT)
    )


def _not_price_before(text: str, start: int) -> bool:
    """Whether the bound or range that starts at ``start`` bounds an amount saved or a
    measurement (:data:`_NOT_PRICE_BEFORE`: "save up to 50", "jeans waist over 30"), no
    price, with a currency mark or not; not after a measurement that has its number ("jeans 32
    waist under 50": a price)."""
    lo = max(0, start - _NOT_PRICE_WINDOW)
    m = _NOT_PRICE_BEFORE.search(text, lo, start)
    return m is not None and not (m.group("measure")
                                  and _MEASURED.search(text, lo, m.start("measure")))


def _range_currency(text: str, m: re.Match[str]) -> bool:
    return _has_currency(text, m, 1) or bool(m.group("c1")) or _has_currency(text, m, 2)


def _range_matches(pat: re.Pattern[str], kind: str, text: str) -> Iterator[re.Match[str]]:
    """The matches of a range pattern in ``text``. A bare range whose first number reads as
    space-grouped thousands with no currency mark ("tv 55 500-800 price": "55 500"?) is matched
    again from its last group, which is then a number of its own ("500-800")."""
    pos = 0
    while (m := pat.search(text, pos)) is not None:
        if kind == "bare" and _grouped(text, m, 1) and not _range_currency(text, m):
            last = m.end("g1") - len(m.group("g1").split()[-1])
            m = pat.match(text, last) or m
        yield m
        pos = m.end()


#: the lowest low end of a bare range read as a price with no currency mark or price word
#: (:func:`_bare_price_range`): below it a range is an age, a size, a count or a number of days
#: as much as money ("kids 9-12", "size 6-7", "2-4 people tent", "1-2 day shipping", "lego sets
#: 4-7", "toddlers 1-3": the 43 bare ranges of QueryNER train and validation, none a price)
BARE_RANGE_FLOOR = 20
# the word right before a bare range, its product ("tv 300-500", "headphones 50-100"): a word
# of letters after a space (not "wh-1000-2000", a model's dash; not "i7 8700-9700")
_BARE_RANGE_WORD = re.compile(r"(?:^|\s)(?P<w>[a-z][a-z'’]*)\s+$", re.I)
# words before a bare range that make it no price: words that join or relate ("for 20-30",
# "ages 20-30", "size 30-32"), the series of a model ("rtx 3060-3080", "gtx 960-1080",
# "ryzen 3600-5600", "galaxy 20-30"), a lens maker's (a focal length in mm: "canon 70-200",
# "sigma 150-600", "nikon 200-500") and the words of :data:`_NUMBERED_BEFORE`
_BARE_RANGE_NOT_AFTER = re.compile(
    r"with|without|for|and|or|in|on|at|of|to|the|a|an|plus|from|by|than|between|vs|versus"
    r"|ages?|aged|years?|months?|sizes?|waist|inseam|length|width|height|depth|weight|number"
    r"|rtx|gtx|gt|rx|radeon|geforce|quadro|ryzen|core|xeon|threadripper|athlon|celeron"
    r"|pentium|snapdragon|exynos|dimensity|helio|series|model|models|part|mark|mk|route|room"
    r"|chapter|page|pages|verse|psalm|grade|level|class|units?|lot|sku|canon|nikon|sony"
    r"|fuji|fujifilm|olympus|panasonic|lumix|pentax|sigma|tamron|tokina|rokinon|samyang"
    r"|zeiss|leica|viltrox|lens|lenses|zoom|telephoto|macro|focal",
    re.I)
# the word right before a bare range that makes it a measure, no price: a unit of measure
# ("watts 300-500", "gb 500-1000", "feet 50-100"; not :data:`_UNITS`' counted nouns, which
# also end products' names: "bed sheets 50-100", "dvd players 100-200", "wipes 20-40" are
# prices), or a product bought by a measure the range gives (QueryNER train measures these in
# feet, gallons, gigabytes, watts, pounds or millilitres: "cable 50-100", "hose 50-100",
# "ladder 20-30", "fish tank 20-40", "ssd 500-1000", "bulb 60-100", "inverter 1000-3000",
# "dumbbells 20-50")
_MEASURED_BEFORE = re.compile(
    r"gb|tb|mb|kb|gigs?|gigabytes?|terabytes?|megabytes?|inch(?:es)?|ft|feet|foot|cm|mm|m"
    r"|meters?|metres?|km|miles?|yards?|yd|hz|khz|mhz|ghz|w|watts?|kw|v|volts?|mah|amps?"
    r"|mp|megapixels?|lbs?|pounds?|oz|ounces?|kg|g|ml|liters?|litres?|qt|quarts?|gal"
    r"|gallons?|btu|lm|lumens?|psi|grit|gauge|k?wh|ah|va|awg|mgs?|grams?|calories|degrees?"
    r"|cables?|cords?|wires?|hoses?|ropes?|ladders?|tanks?|aquariums?"
    r"|ssds?|hdds?|drives?|memory|storage|ram|sd|microsd|flash"
    r"|bulbs?|inverters?|generators?|dumbbells?|kettlebells?|weights|syringes?",
    re.I)
# a query about camera lenses, whose ranges are focal lengths in mm ("lens 70-200")
_LENS = re.compile(r"(?<![\w'’-])(?:lens|lenses|telephoto|zoom|focal)(?![\w'’-])", re.I)
#: the largest high end of a bare range in a query that names clothing or footwear that is a
#: waist, a bust, a length or a (European) shoe size, no price ("jeans 30-34", "bra 34-36",
#: "shoes 40-42")
_WORN_SIZE_MAX = 60


def _round_amount(value: float) -> bool:
    """Whether a bare range's end is written as a price bound is: a multiple of 5 or ending in 9
    ("300", "450", "199"); a model's number ("3060-3070", "26-29" a wheel's) is often not."""
    return value == int(value) and (int(value) % 5 == 0 or int(value) % 10 == 9)


def _bare_price_range(text: str, m: re.Match[str]) -> bool:
    """Whether a bare range with no currency mark and no price word ("tv 300-500", "headphones
    50 to 100", "tv 300-500 samsung") is a price range: right after a word of letters that
    names the product (not a joining word, a model's series, a lens maker or a word that
    numbers what it names: :data:`_BARE_RANGE_NOT_AFTER`, :data:`_NUMBERED_BEFORE`; nor a
    unit or a product bought by the measure such a range gives: :data:`_MEASURED_BEFORE`,
    "watts 300-500", "hose 50-100", "ssd 500-1000"; no unit nor counted noun after it:
    :func:`_range`), both ends whole amounts written as a price
    bound is (:func:`_round_amount`), the low one at least :data:`BARE_RANGE_FLOOR` and the
    high one 1.1 to 20 times it (a model pair, "3060-3070", is closer; "20-20000" is a
    speaker's hertz), in no query about lenses (a focal length: "70-200") and, in a query that
    names clothing or footwear, with a high end above :data:`_WORN_SIZE_MAX` (a waist or a
    shoe size: "jeans 30-40"). A screen size or an age is no price either
    (:func:`_other_number`, read after it: "tv 55-75")."""
    if _LENS.search(text):
        return False
    word = _BARE_RANGE_WORD.search(text, max(0, m.start() - _NUMBERED_WINDOW), m.start())
    if word is None or _BARE_RANGE_NOT_AFTER.fullmatch(word.group("w")) \
            or _MEASURED_BEFORE.fullmatch(word.group("w")) \
            or _NUMBERED_BEFORE.search(text, max(0, m.start() - _NUMBERED_WINDOW), m.start()):
        return False
    if any(m.group(f"g{i}") or m.group(f"f{i}") for i in (1, 2)):
        return False
    a, b = _amount(text, m, 1), _amount(text, m, 2)
    if a is None or b is None:
        return False
    if m.group("k2") and not m.group("k1") and a < b:
        a *= float(_multiplier(m, 2) or 1)  # ("1-2k": the multiplier is for both)
    if not (_round_amount(a) and _round_amount(b) and a >= BARE_RANGE_FLOOR
            and 1.1 * a <= b <= 20 * a):
        return False
    return b > _WORN_SIZE_MAX or not _WEARS.search(text)


def _range(text: str, m: re.Match[str], kind: str, screen: int) -> tuple[float, float] | None:
    """The ``(low, high)`` of a range match, ``None`` when it is no price range (``screen``:
    :func:`_screen_size` of ``text``)."""
    if _is_spec(text, m, 1) or _is_spec(text, m, 2) or _not_price_before(text, m.start()):
        return None
    if m.group("g1") and not _grouped(text, m, 1):
        return None  # "100 128gb - 200": the range's first number is not "100 128"
    currency = _range_currency(text, m)
    if not currency and _is_year(m, 1) and _is_year(m, 2):
        return None
    if kind == "bare" and not currency and not (
        _PRICE_WORD_BEFORE.search(text, 0, m.start()) or _PRICE_WORD_AFTER.match(text, m.end())
        or _bare_price_range(text, m)
    ):
        return None
    if not currency and (_grouped(text, m, 1) or _grouped(text, m, 2)
                         or _other_number(text, m, (1, 2), screen)):
        return None
    a, b = _amount(text, m, 1), _amount(text, m, 2)
    if a is None or b is None:
        return None
    if m.group("k2") and not m.group("k1") and Decimal(m.group("n1").replace(",", "")) < (
        Decimal(m.group("n2").replace(",", ""))
    ):
        a *= float(_multiplier(m, 2) or 1)  # "$1-2k", "1-2 lakh": the multiplier is for both
    return (a, b) if a <= b else (b, a)


def _trailing(text: str, m: re.Match[str], kind: str, currency: bool) -> bool:
    """Whether a bound written after its amount ("300 or less", "$300 and up": ``m`` of a
    pattern with a ``tail``) may bound a price. Not when a unit or a counted noun follows
    the bound ("4 or more people", "2 or more hdmi ports") or "off" ("50 or more off"). With
    no currency mark, not a year nor an amount right after a word that numbers what it names
    (:data:`_NUMBERED_BEFORE`: "ios 12 or below", "size 10 and under"), and a lower bound only
    next to a price word ("price 300 and up"): "N and up", "N or higher" are as often an age
    ("games 8 and up"), a version ("android 9 and above", "windows 10 or higher") or a model
    ("rtx 3060 or higher": a price_min of 3060 removes most laptops that have one)."""
    if _SPEC_AFTER.match(text, m.end()) or _DISCOUNT_AFTER.match(text, m.end()):
        return False
    if currency:
        return True
    start = m.start()
    if _is_year(m, 1) or _NUMBERED_BEFORE.search(text, max(0, start - _NUMBERED_WINDOW), start):
        return False
    return kind == "max" or bool(_PRICE_WORD_BEFORE.search(text, 0, start)
                                 or _PRICE_WORD_AFTER.match(text, m.end()))


def _bound(text: str, m: re.Match[str], kind: str, guarded: bool,
           screen: int, at: int | None = None) -> tuple[bool, float | None]:
    """``(is a price, amount)`` for a bound match; the amount is ``None`` when its format is
    ambiguous (which voids the bound). ``screen``: :func:`_screen_size` of ``text``; ``at``:
    where the negation of a negated bound starts, what is before it its context, and its
    number no price where it may be a screen size or an age after either bound ("monitor not
    under 27" is at least 27 inches as much as dollars)."""
    negated, at = at is not None, m.start() if at is None else at
    if _is_spec(text, m, 1) or _not_price_before(text, at):
        return False, None
    currency = _has_currency(text, m, 1)
    kw = m.group("kw") if "kw" in m.re.groupindex else None
    if kw is not None and kw.lower() == "from" and not currency and _is_year(m, 1):
        return False, None
    if guarded and not currency and not re.search(r"[,;(]\s*$", text[: m.start()]):
        return False, None
    tail = "tail" in m.re.groupindex
    if tail and not _trailing(text, m, kind, currency):
        return False, None
    if not currency:
        # "up to" and a lower bound may be a screen size ("tv over 50"), "under" is not; a
        # bound after its amount may be one too: "tv 50 or less" is written as "tv 50" is
        sized = kind == "min" or tail or negated \
            or (kw is not None and re.fullmatch(r"up\s*to", kw, re.I))
        if _other_number(text, m, (1,), screen if sized else 0,
                         upper=kind == "max" and not negated, at=at):
            return False, None
        if _grouped(text, m, 1):
            return True, None  # "tv under 1 000": 1000, or 1 then another number?
    return True, _amount(text, m, 1)


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


# the bound words whose negation is the other bound at the same amount: "not over 500" is "at
# most 500", "not under 500" (which may also read "anything but under 500") "at least 500"; not
# "up to", "within", "from", "starting at" (what would "not up to 500" bound?), nor "no more
# than" and the like, bound words of their own
NEGATABLE_BOUND = _FLIPS_KW = re.compile(
    r"under|below|over|above|(?:less|cheaper|lower|more|greater|higher)\s+than"
    r"|at\s+(?:most|least)|[<>]=?|[≤≥]",
    re.I,
)


def _flips(m: re.Match[str]) -> bool:
    """Whether the bound of ``m``, negated, is the other bound at its amount (a bound word of
    :data:`_FLIPS_KW`, or one after the amount: "not $300 or more" is at most 300)."""
    if "tail" in m.re.groupindex:
        return True
    return "kw" in m.re.groupindex and _FLIPS_KW.fullmatch(m.group("kw")) is not None


def _narrowest(plain: set[float | None], flipped: set[float | None],
               pick: Callable[[Iterable[float]], float]) -> float | None:
    """One bound of a query from those read for it: ``plain`` (two different values are
    alternatives, "under 300 or under 500": none; ``None`` among them, a void one: none) and
    ``flipped`` (those of negated bound words, which all hold, each with the plain one: "not
    under 500 or under 600" is at least 600, "tv under 800 not over 900" at most 800;
    ``pick``: the narrowest, ``max`` of lower bounds, ``min`` of upper ones)."""
    if len(plain) > 1 or None in plain or None in flipped:
        return None
    values = [v for v in (*plain, *flipped) if v is not None]
    return pick(values) if values else None


def _negation(text: str, start: int, negated: list[tuple[int, int, int]]) -> int | None:
    """Where the negation of the bound or range that starts at ``start`` starts, ``None`` when
    it is not negated: a negation right before it (its cue), or "or" / "nor" after a negated
    one (``negated``: their ``(start, end, negation)``; that one's cue)."""
    # (a window before the bound: the cue is at most three short words away, and a search
    # from the text's start made long inputs quadratic)
    if (cue := _NEGATION.search(text, max(0, start - _NEGATION_WINDOW), start)) is not None:
        return cue.start()
    if not negated:
        return None
    s, e, at = negated[-1]  # the chain joins a bound to the negated one right before it
    chained = s < start and (e >= start or _NEGATION_CHAIN.fullmatch(text, e, start) is not None)
    return at if chained else None


# an amount spelt "a hundred", "a thousand" or "a grand" ("under a thousand", "less than a
# grand", "over a hundred bucks"); not when more of it follows in words ("a hundred and fifty",
# "a thousand five hundred": read as its first part, it was a wrong bound), and "a grand" only
# where no noun follows, which it would qualify ("under a grand piano"); "2 grand" stays unread
# (:data:`_UNREAD_MULTIPLIERS`), "a grand" is one amount only
_SPELT = re.compile(
    r"(?<![\w'’-])an?\s+(?P<word>hundred|thousand|grand)(?![\w'’-])"
    r"(?!\s+(?:and\s+)?(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b)",
    re.I,
)
# after "a grand": the end, a mark or a word that names nothing it would qualify
_GRAND_END = re.compile(
    r"\s*(?:$|[^\w\s]|(?:for|with|without|in|on|or|and|to|at|max|tops|budget|price|range|please"
    r"|dollars?|bucks|usd)\b)", re.I)

# a digit: a query with none (after :func:`_spelt_amounts`) holds no price
_DIGIT = re.compile(r"\d")


def _spelt_amounts(text: str) -> str:
    """``text`` with the amounts spelt "a hundred", "a thousand" and "a grand"
    (:data:`_SPELT`) written "1 hundred" and "1 thousand", which the number patterns read
    (multiplied, so never a bare number that may be an age or a screen size)."""
    def number(m: re.Match[str]) -> str:
        word = m.group("word").lower()
        if word == "grand" and not _GRAND_END.match(text, m.end()):
            return m.group()
        return "1 hundred" if word == "hundred" else "1 thousand"

    return _SPELT.sub(number, text)


_WHITESPACE_RUN = re.compile(r"\s{2,}")


def _price_text(text: str) -> str:
    """``text`` as the price patterns read it: a run of whitespace one space, as the parse
    reads a query (the lookaheads after an amount try every split of a long run: 0.55 s on 500
    spaces, a direct caller's text), and the amounts spelt "a hundred", "a thousand" and "a
    grand" written in digits (:func:`_spelt_amounts`: "under a thousand")."""
    return _spelt_amounts(_WHITESPACE_RUN.sub(" ", text))


def _price_matches(text: str) -> list[tuple[int, int, re.Match[str], str, bool]]:
    """The ranges and bounds found in ``text`` (:func:`_price_text`), in the order of the text:
    ``(start, end, match, kind, guarded)``; a number a range reads (price or not) is no
    bound's."""
    taken: list[tuple[int, int]] = []  # numbers read by a range, price or not
    found: list[tuple[int, int, re.Match[str], str, bool]] = []  # (start, end, match, ...)
    for pat, kind in _RANGES:
        for m in _range_matches(pat, kind, text):
            span = (m.start("n1"), _end(text, m, 2))
            if _overlaps(span, taken):
                continue
            taken.append(span)
            found.append((m.start(), m.end(), m, kind, False))
    for pat, kind, guarded in _BOUNDS:
        for m in pat.finditer(text):
            if not _overlaps((m.start("n1"), _end(text, m, 1)), taken):
                found.append((m.start(), m.end(), m, kind, guarded))
    return sorted(found, key=lambda f: (f[0], f[1]))


def price_spans(text: str) -> list[tuple[int, int]]:
    """Where the price bounds and ranges of ``text`` stand, (start, end) in ``text``: each
    bound or range the price patterns read as a price (:func:`parse_price`, a void one
    included: "tv under 1 mil"), from its negation on when negated ("not over $500", "don't
    want to spend over 500", "not between 100 and 200"; :func:`_negation`) to the end of its
    last amount and the currency word after it ("500 dollars"), or of the words of a bound
    written after it ("300 or less"). They say how much, nothing of what is searched: the
    parse's intent reads the query without them (``parser.pipeline.intent_text``); its model
    saw no prices, and their words moved the query off its product ("tv no more than $300",
    "tv more than $300": no TVs, as "tv" has).

    >>> q = "laptop not more than $500 for school"
    >>> [q[a:b] for a, b in price_spans(q)]
    ['not more than $500']
    >>> q = "tv  not under a grand, or 300 dollars or less"
    >>> [q[a:b] for a, b in price_spans(q)]
    ['not under a grand', '300 dollars or less']
    >>> price_spans("no more than 5 people"), price_spans("iphone 7"), price_spans("$500 laptop")
    ([], [], [])
    """
    read, back = _mapped(text)
    if _DIGIT.search(read) is None:
        return []
    out: list[tuple[int, int]] = []
    negated: list[tuple[int, int, int]] = []
    found = _price_matches(read)
    screen = _screen_size(read) if found else 0
    for start, end, m, kind, guarded in found:
        at = _negation(read, start, negated)
        if at is not None:
            negated.append((start, end, at))
        if not (_bound(read, m, kind, guarded, screen, at)[0] if kind in ("min", "max")
                else _range(read, m, kind, screen) is not None):
            continue  # (no price: "no more than 5 people", "tv over 50")
        while at is not None and at > 0 and not read[at - 1].isspace():
            at -= 1  # (the whole word of the cue: "don't" of "n't")
        last = 2 if "n2" in m.re.groupindex and m.group("n2") else 1
        stop = _end(read, m, last)
        if (cur := _CURRENCY_AFTER.match(read, stop)) is not None:
            stop = cur.end()
        # (from the negation on, unless it is a negated one's before it, which it chains
        # to: "not under 500 or over 900")
        out.append((start if at is None or (out and at < out[-1][1]) else at, max(end, stop)))
    return [(back[a], back[b - 1] + 1) for a, b in out if a < b]


def _mapped(text: str) -> tuple[str, list[int]]:
    """:func:`_price_text` of ``text`` and, for each of its characters, where in ``text`` it
    comes from (a replaced stretch: its first character from the first of what it replaces,
    the others from the last)."""
    read: list[str] = []
    back: list[int] = []
    at = 0
    for m in _WHITESPACE_RUN.finditer(text):
        read.append(text[at:m.start()])
        back.extend(range(at, m.start()))
        read.append(" ")
        back.append(m.start())
        at = m.end()
    read.append(text[at:])
    back.extend(range(at, len(text)))
    one = "".join(read)
    spelt = _spelt_amounts(one)
    if spelt == one:
        return one, back
    out: list[int] = []
    at = 0
    for m in _SPELT.finditer(one):  # (each replaced amount: a stretch from its first character)
        out.extend(back[at:m.start()])
        new = _spelt_amounts(m.group() + one[m.end():])
        n = len(new) - len(one[m.end():])
        out.extend([back[m.start()]] + [back[m.end() - 1]] * (n - 1))
        at = m.end()
    out.extend(back[at:])
    return spelt, out


def parse_price(text: str) -> tuple[float | None, float | None]:
    """``(min, max)`` price of a query; ``None`` for a bound it does not give (or not surely:
    see the module docs).

    >>> parse_price("tv under 800"), parse_price("between 100 and 200"), parse_price("iphone 7")
    ((None, 800.0), (100.0, 200.0), (None, None))
    >>> parse_price("tv not under 500"), parse_price("tv not over 500")
    ((500.0, None), (None, 500.0))
    >>> parse_price("not between 100 and 200"), parse_price("laptop under 1 mil")
    ((None, None), (None, None))
    >>> parse_price("up to $70 off nike shoes"), parse_price("jeans over 30 waist")
    ((None, None), (None, None))
    >>> parse_price("ring under ₹1 lakh"), parse_price("watch under 1 lakh 50 thousand")
    ((None, 100000.0), (None, None))
    >>> parse_price("tv 300 or less"), parse_price("$300 and up"), parse_price("300 and up")
    ((None, 300.0), (300.0, None), (None, None))
    >>> parse_price("laptop under a grand"), parse_price("budget of 500")
    ((None, 1000.0), (None, 500.0))
    >>> parse_price("phone about $300"), parse_price("$500 laptop")
    ((None, None), (None, None))
    """
    text = _price_text(text)
    if _DIGIT.search(text) is None:
        return None, None  # (most queries: every price pattern needs a digit)
    ranges: set[tuple[float, float]] = set()
    bounds: dict[str, set[float | None]] = {"min": set(), "max": set()}
    found = _price_matches(text)
    negated: list[tuple[int, int, int]] = []  # (start, end, negation) of the negated ones
    # the bounds a negated bound word gives, the other bound at its amount ("not over 500": at
    # most 500, "not under 500": at least 500)
    flipped: dict[str, set[float | None]] = {"min": set(), "max": set()}
    screen = _screen_size(text) if found else 0
    for start, end, m, kind, guarded in found:
        if (at := _negation(text, start, negated)) is not None:
            negated.append((start, end, at))
            if kind in ("min", "max") and _flips(m):
                # (read as the bound word reads it, what is before the negation its context:
                # "tv not over 50" is a screen size, "toys for kids not over 5" an age)
                is_price, value = _bound(text, m, kind, guarded, screen, at)
                if is_price:
                    flipped["max" if kind == "min" else "min"].add(value)
            continue  # (a negated range, "up to", "within", "max" ...: no bound)
        if kind in ("min", "max"):
            is_price, value = _bound(text, m, kind, guarded, screen)
            if is_price:
                bounds[kind].add(value)
        elif (r := _range(text, m, kind, screen)) is not None:
            ranges.add(r)
    if len(ranges) > 1:
        return None, None
    for lo, hi in ranges:
        bounds["min"].add(lo)
        bounds["max"].add(hi)
    lo = _narrowest(bounds["min"], flipped["min"], max)
    hi = _narrowest(bounds["max"], flipped["max"], min)
    if lo is not None and hi is not None and lo > hi:
        return None, None
    return lo, hi


# --- sizes ----------------------------------------------------------------------------------

# a decimal comma ("2,5 inch") is read as written; "1,000 gb" (thousands or three decimals?) is
# no size
_SIZE_NUM = r"(?:\d+[ -]\d+[/⁄]\d+|\d+[/⁄]\d+|\d+(?:\.\d+|,\d{1,2}(?!\d))?)"
# the inch mark, ASCII or typographic (phone keyboards type ”; NFKC writes ″ as ′′)
_INCH_MARK = r"(?:\"|”|″|′′|''|’’)"
_SIZE_UNIT = (
    r"(?:(?:inch(?:es)?|in(?!\s*-?\s*\d)(?!\s+(?:the|a|an|stock|store)\b)|gb|tb|mb|mm|cm|"
    r"gigabytes?|terabytes?|megabytes?|millimet(?:er|re)s?|centimet(?:er|re)s?|"
    r"cu(?:bic)?\.?\s?(?:ft|feet|foot)|ft|feet|foot|oz|ounces?|qt|quarts?|gal(?:lon)?s?|"
    # metres ("2m hdmi cable", "1.5 m usb cable", "3 metre extension lead"); not "m.2", "m/s"
    # (:func:`_not_metres` reads which "m" is none)
    r"met(?:er|re)s?|mtrs?|m(?![./]\w))"
    r"(?![a-z0-9])"
    rf"|{_INCH_MARK})"
)
_SIZE_ONE = rf"{_SIZE_NUM}\s*(?:-\s*)?{_SIZE_UNIT}"
# a number with a spaced "in" right after a price word is a price followed by the word "in"
_SPACED_IN = re.compile(r"\d\s+in$", re.I)
_PRICE_BEFORE = re.compile(
    r"(?:\b(?:under|below|over|above|than|to|least|most|max|min|from)|[<>≤≥]=?)\s*$", re.I)
# (a size after a slash is one after a unit's letters only: "64gb/256gb", not "1/2 in")
_SIZE = re.compile(
    r"(?<![\w.⁄$€£\-–])(?:(?<!/)|(?<=[a-z]/))(?<!\d,)(?!(?<=\d\s)0\d)(?:"
    rf"(?P<range>(?:between\s+{_SIZE_NUM}(?:\s*-?\s*{_SIZE_UNIT})?\s*and"
    rf"|{_SIZE_NUM}(?:\s*-?\s*{_SIZE_UNIT})?\s*(?:-|–|—|to))\s*{_SIZE_ONE})"
    rf"|(?P<one>{_SIZE_ONE}))",
    re.I,
)
# one side of a dimension pair ("24 x 36 inch", '24" x 36"', "10 by 12 ft"): no single size
_DIM_BEFORE = re.compile(
    rf"(?<![\w.,])\d+(?:[.,/⁄]\d+)?\s*(?:-?\s*{_SIZE_UNIT})?\s*(?:[x×*]|by)\s*$", re.I)
_DIM_AFTER = re.compile(r"\s*(?:[x×*]|by)\s*\d", re.I)
#: characters before a size searched for the other side of a dimension pair
_DIM_WINDOW = 40


#: characters before a size searched for a bound word or a "for" / "fits" that introduces it
_SIZE_CUE_WINDOW = 60
# a bound word right before a size ("under 55 inch", "at least 27 inch", "smaller than 40
# inch", "up to 15.6 inch", "< 32 inch", "max 65 inch"): the size is a bound, no value. "other
# than" / "rather than" exclude a value (a DOWN boost in fusion.expand), no bound
_SIZE_BOUND_BEFORE = re.compile(
    r"(?:(?<![\w'’-])(?P<kw>under|below|beneath|over|above|beyond|up\s*to|at\s+(?:least|most)"
    r"|(?!(?:other|rather|whether)\b)(?:less|more|fewer|[a-z]+er)\s+th[ae]n"
    r"|max(?:imum)?|min(?:imum)?)|(?P<sign>[<>≤≥]=?))\s*(?P<dot>[.:])?\s*$",
    re.I,
)
# a bare "max" / "min" after these is part of a name ("iphone 13 pro max 256gb", "iphone xs max
# 6.5 inch", "macbook pro m1 max 32gb", "mi max 64gb"), no bound
_MAX_NAME = re.compile(
    r"(?:(?<![\w'’-])(?:pro|xs|air|mi|note|plus|ultra|zenfone|[a-z]*\d[a-z\d]*))\s+$", re.I)
# a bound after a size ("55 inch or larger", "15 inch and up", "16gb ram at least", "55 inch tv
# or bigger": up to two words apart), or right after it ("65 inch max", '65"+'); not "55 inch
# and under $500" (a price after), "8gb+128gb" (a second size), "55 inch + soundbar" (a bundle)
# nor "6.1 inch pro max" (a name)
_SIZE_BOUND_AFTER = re.compile(
    r"(?:\s+(?!(?:and|or|with|without|for|in|on|by|to|under|over|plus|not|no|but)\b)"
    r"[a-z][\w'’-]*){0,2}(?:\s+|\s*(?=&))"
    r"(?:(?:(?:or|and)\s+|&\s*)(?:larger|bigger|greater|higher|more|above|over|up(?:wards?)?|less|smaller"
    r"|lower|below|under|fewer|longer|shorter|wider|narrower|taller|thicker|thinner)\b"
    r"(?!\s*(?:than\s*)?(?:[$€£₹¥]|(?:us|rs|inr)\b)?\s*\d)"
    r"|at\s+(?:least|most)\b)"
    r"|\+(?![\s+]*\d)"
    r"|\s*(?:max(?:imum)?|min(?:imum)?)\b(?!\s*[$€£₹¥]?\s*\d)",
    re.I,
)
# who a "for" before a size is not a device phrase after ("looking for 55 inch tv", "deals for
# 65 inch tv": the tv is the product) and the fits of clothes ("slim fit 32 inch jeans": a
# waist size)
#: (fusion.expand reads the same words before a "for": no product fits the device after it)
NOT_FITTED = frozenset({
    "looking", "searching", "search", "searched", "shopping", "shop", "look", "deal", "deals",
    "offer", "offers", "sale", "sales", "price", "prices", "pricing", "cost", "costs", "review",
    "reviews", "coupon", "coupons", "discount", "discounts", "rebate", "rebates", "spec",
    "specs", "rating", "ratings"})
_FIT_STYLE = re.compile(
    r"slim|skinny|regular|relaxed|loose|tight|athletic|classic|straight|tapered|true|perfect"
    r"|easy|comfort|modern|custom|tailored|wide|boot|boyfriend|mom|petite|fitted", re.I)
# a "for" / "fits" / "compatible with" that introduces a device phrase, then determiners
_CUE_WORDS = (
    r"(?P<cue>for|fits|fit|compatible(?:\s+(?:with|for|to))?|works?\s+with|holds|supports)"
    r"(?:\s+(?:a|an|the|my|your|his|her|our|their|most|all|any|both|up\s*to|upto))*\s+"
)
_FITS_CUE = rf"(?:(?<![\w'’-])(?P<prev>[\w'’-]+)\s+)?(?<![\w'’-]){_CUE_WORDS}"
# the size right after the cue: "tv stand for 65 inch tv", "case for 13 inch macbook",
# "laptop bag fits 15.6 inch laptop", "mount compatible with 65 inch tvs"
_FITS_BEFORE = re.compile(rf"{_FITS_CUE}$", re.I)
# a screen device the size is part of, after the cue: "case for macbook pro 13 inch", "cover for
# samsung tv 55 inch", "screen protector for iphone 14 pro max 6.7 inch" (a screen size only:
# "hdmi cable for tv 10 ft" and "sd card for switch 256gb" are the product's own)
_DEVICE = (r"tvs?|televisions?|monitors?|screens?|displays?|laptops?|notebooks?|macbooks?"
           r"|chromebooks?|tablets?|ipads?|iphones?|phones?|smartphones?|galaxy|kindle|surface")
# words that join or relate another thing to a device's phrase, which ends before them ("tv
# with stand", "mount for tv plus 55 inch soundbar": "plus" joins a second product there)
_JOINS = r"with|without|and|or|for|in|on|by|to|under|over|plus"
# the words of a device's name after the device word, up to four: "iphone 14 pro max", "galaxy
# s8+", and "plus" after a model number or "edge", where it names the model ("iphone 8 plus",
# "galaxy s6 edge plus"), not a second product (nor after a spec, "laptop 65w plus", or a model
# that has its "+": "note 10+ plus 55 inch soundbar")
_NAME_WORDS = (
    rf"(?:\s+(?:(?:(?!\d+(?:\.\d+)?(?:{_UNITS})\s)[\w.'’-]*\d[\w.'’-]*|edge)\s+plus(?![\w'’-])"
    rf"|(?!(?:{_JOINS})\b)[\w.+'’-]+)){{0,4}}"
)
_FITS_DEVICE = re.compile(
    rf"{_FITS_CUE}(?:[\w'’-]+\s+){{0,2}}(?:{_DEVICE}){_NAME_WORDS}\s+$",
    re.I,
)
#: head words of an accessory, a part or a consumable made for a device ("iphone 7 case",
#: "charger for galaxy s8", "ipad 64gb keyboard", "hoover vacuum belt", "dyson vacuum parts",
#: "cuisinart food processor blade", "kitchenaid mixer attachments"): third parties make them
#: too, so the device's maker is a (fits) boost in fusion.expand, no filter. Not "hose" nor
#: "pad", as often a product of their own ("garden hose", "panty hose", "knee pads")
ACCESSORY_WORDS = frozenset({
    "case", "cases", "cover", "covers", "charger", "chargers", "charging", "cable", "cables",
    "protector", "protectors", "mount", "mounts", "stand", "stands", "strap", "straps", "band",
    "bands", "adapter", "adapters", "skin", "skins", "dock", "docks", "holder", "holders",
    "accessory", "accessories", "sleeve", "sleeves", "bag", "bags", "cord", "cords", "usb",
    "battery", "batteries", "remote", "remotes", "keyboard", "keyboards", "mouse", "mice",
    "lens", "lenses", "ink", "inks", "toner", "toners", "cartridge", "cartridges", "filter",
    "filters", "refill", "refills", "replacement", "replacements", "controller", "controllers",
    "stylus", "styluses", "armband", "armbands", "holster", "holsters", "wallet", "wallets",
    "folio", "folios", "glass", "guard", "guards", "part", "parts", "attachment", "attachments",
    "belt", "belts", "blade", "blades", "brush", "brushes", "nozzle", "nozzles", "gasket",
    "gaskets"})
#: those of products that hold data, whose capacity a storage size is ("usb for iphone 128gb":
#: a flash drive)
_STORAGE_PRODUCTS = frozenset({"usb"})
_ACCESSORY_WORD = "|".join(sorted(ACCESSORY_WORDS - _STORAGE_PRODUCTS, key=len, reverse=True))
# a storage size: a device's capacity where it ends the device's phrase ("iphone 7 plus 128gb")
_STORAGE_UNIT = re.compile(r"(?:gb|tb|mb|gigabytes?|terabytes?|megabytes?)$", re.I)
# the device's phrase right before a size: "iphone 7 plus 128gb", "galaxy s8+ 64gb"
_DEVICE_BEFORE = re.compile(rf"(?<![\w'’-])(?:{_DEVICE}){_NAME_WORDS}\s+$", re.I)
# an accessory for that device after the size, up to three words apart: "iphone 7 plus 128gb
# case", "galaxy s8+ 64gb screen protector" (not after a joining word: "ipad 64gb with case")
_ACCESSORY_AFTER = re.compile(
    rf"(?:\s+(?!(?:{_JOINS})\b)[\w'’-]+){{0,3}}?\s+(?:{_ACCESSORY_WORD})(?![\w'’-])", re.I)
# an accessory for that device before its phrase, a cue and up to two words (a brand) apart:
# "case for iphone 7 plus", "tempered glass compatible with apple iphone 7", "skin galaxy s8"
_ACCESSORY_BEFORE = re.compile(
    rf"(?<![\w'’-])(?:{_ACCESSORY_WORD})\s+(?:{_CUE_WORDS})?"
    rf"(?:(?!(?:{_JOINS})\b)[\w'’-]+\s+){{0,2}}$",
    re.I,
)
_SCREEN_UNIT = re.compile(rf"(?:\s*-?\s*(?:inch(?:es)?|in)|\s*{_INCH_MARK})$", re.I)
#: the head words of an accessory that fits a range of screen sizes (a mount "fits 32-70 inch
#: TVs", a phone holder "4.7-6.7 inch phones"): a screen size beside one is its device's, a hint
#: (:func:`_device_accessory`). Not yet "stand", "case", "cover", "sleeve", "bag", "protector":
#: "65 inch tv stand" and "13 inch macbook case" are size filters by earlier tests (made for one
#: size, a catalogue may list the case under the size it fits)
SIZED_BY_DEVICE = frozenset({"mount", "mounts", "bracket", "brackets", "arm", "arms", "holder",
                             "holders"})
# such an accessory, its head word after the device's phrase ("tv mount", "tv wall mount", "65
# inch tv wall mount", "tv 65 inch mount"; not after a joining word: "tv with wall mount")
_SIZED_ACCESSORY = "|".join(sorted(SIZED_BY_DEVICE, key=len, reverse=True))
_DEVICE_ACCESSORY = re.compile(
    rf"(?<![\w'’-])(?:{_DEVICE}){_NAME_WORDS}\s+(?:{_SIZED_ACCESSORY})(?![\w'’-])", re.I)
# an accessory right before a screen size that a device follows ("mount 65 inch tv", "case 13
# inch macbook": the "for" left out)
_ACCESSORY_THEN = re.compile(rf"(?<![\w'’-])(?:{_SIZED_ACCESSORY})\s+$", re.I)
_DEVICE_NEXT = re.compile(rf"\s+(?:{_DEVICE})(?![\w'’-])", re.I)
# what parts a size from an accessory's phrase: another product joined to it ("65 inch tv with
# wall mount", "tv 65 inch and tv mount": the tv's size)
_CLAUSE_BREAK = re.compile(r"(?<![\w'’-])(?:with|without|and|or|plus|&)(?![\w'’-])|[,+;]",
                           re.I)


def _device_accessory(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the screen size of ``m`` (``start``: where it, or the list it ends, starts) is
    the size of the device an accessory that fits a range of sizes (:data:`SIZED_BY_DEVICE`)
    is sought for, named without a fits word ("tv mount 65 inch", "65 inch tv wall mount",
    "mount 65 inch tv", "phone holder 6.7 inch"): the mount fits the TV, it has no 65-inch size,
    and a catalogue writes what it fits in many forms ("fits 32-70 inch"), so the size is a hint
    (:func:`size_hints`), no filter. Not where another product is joined between ("65 inch tv
    with wall mount": the tv's size)."""
    if not _SCREEN_UNIT.search(m.group("one")):
        return False
    if _ACCESSORY_THEN.search(text, max(0, start - _SIZE_CUE_WINDOW), start) \
            and _DEVICE_NEXT.match(text, m.end()):
        return True
    for d in _DEVICE_ACCESSORY.finditer(text):
        lo, hi = (d.end(), start) if d.end() <= start else (m.end(), d.start())
        if (d.start() <= start and m.end() <= d.end()) or (
                lo <= hi and not _CLAUSE_BREAK.search(text, lo, hi)):
            return True
    return False


# an audio plug's size: 2.5 mm, 3.5 mm, 6.35 mm (6.3 mm), or 1/8 inch and 1/4 inch, which are
# 3.5 mm and 6.35 mm ("usb c to 3.5mm adapter", "3.5mm to rca", "1/4 inch to 3.5mm adapter")
_JACK_MM = re.compile(
    r"(?<![\d.,])(?:(?P<small>2[.,]5)|3[.,]5|6[.,]35?)\s*-?\s*(?:mm|millimet(?:er|re)s?)$", re.I)
_JACK_INCH = re.compile(rf"1\s*[/⁄]\s*[48]\s*-?\s*(?:inch(?:es)?|in|{_INCH_MARK})$", re.I)
# what a query names that makes a millimetre plug size the size of a connector, no size of the
# product: an audio word, a connector word or another plug size joined by "to" ("3.5mm to rca",
# "usb c to 3.5mm", "bluetooth transmitter 3.5mm", "3.5mm microphone", "aux cable 3.5mm 6ft");
# not "plug" alone ("3.5mm wall plug": a wall anchor's size)
_AUDIO = (r"jacks?|aux|auxiliary|audio|stereo|mono|head\s?phones?|head\s?sets?|ear\s?phones?"
          r"|ear\s?buds?|mics?|microphones?|rca|trr?s|guitar|instrument|amp|amplifiers?|speakers?"
          r"|line[\s-]?in|line[\s-]?out")
_PLUG_CONTEXT = re.compile(
    rf"(?<![\w'’-])(?:{_AUDIO}|adapters?|adaptors?|cables?|cords?|leads?|splitters?"
    r"|extensions?|converters?|connectors?|transmitters?|receivers?|male|female)(?![\w'’-])"
    r"|(?<![\w'’-])to\s+\S|\S\s+to(?![\w'’-])",
    re.I)
# an inch plug size, and 2.5 mm, is one in a query that names audio only ("1/4 inch jack", "1/4
# inch to 3.5mm adapter", "2.5mm headset"; "1/4 inch drill bit", "1/4 inch air hose adapter",
# "2.5mm electrical cable", a wire's gauge, are the product's sizes)
_AUDIO_CONTEXT = re.compile(rf"(?<![\w'’-])(?:{_AUDIO})(?![\w'’-])", re.I)


def _jack_size(text: str, m: re.Match[str]) -> bool:
    """Whether the size of ``m`` is an audio plug's, a jack's (2.5 mm, 3.5 mm, 6.35 mm, 1/8 or
    1/4 inch), in a query about audio or a connector: "usb c to 3.5mm adapter", "3.5mm to rca",
    "bluetooth transmitter 3.5mm", "3.5mm microphone", "1/4 inch jack". The plug is what the
    product connects to, no size a catalogue files it under (a cable's length is: "3.5 mm
    cable 1.5 feet": 1.5 feet), so it is a hint (:func:`size_hints`), no filter. An inch plug
    size and 2.5 mm need an audio word ("1/4 inch drill bit", "2.5mm electrical cable" keep
    their sizes), and "plug" alone is no connector's ("3.5mm wall plug": an anchor)."""
    one = m.group("one")
    if (jack := _JACK_MM.search(one)) is not None and not jack.group("small"):
        return _PLUG_CONTEXT.search(text) is not None
    if jack is not None or _JACK_INCH.search(one):  # (2.5 mm: a wire's gauge, a hole's too)
        return _AUDIO_CONTEXT.search(text) is not None or any(  # (another plug size)
            o.start() != m.start() and _JACK_MM.search(o.group("one") or "")
            for o in _SIZE.finditer(text))
    return False


# a capacity unit: the size of what holds a liquid or a load ("5 gallon bucket", "6 quart
# instant pot", "20 oz tumbler")
_CAPACITY_UNIT = re.compile(r"(?:gal(?:lon)?s?|qt|quarts?|oz|ounces?)$", re.I)
# a container sold by its capacity: a tank, an aquarium, a bucket, a bottle, a drum, a pot...
_CONTAINER = re.compile(
    r"(?<![\w'’-])(?:tanks?|aquariums?|aquaria|buckets?|pails?|bottles?|jugs?|drums?|barrels?"
    r"|carboys?|jars?|cans?|bins?|totes?|containers?|pots?|tumblers?|mugs?|cups?|kegs?"
    r"|growlers?|coolers?|fermenters?|terrariums?|vivariums?|ponds?|cisterns?)(?![\w'’-])",
    re.I)
# a product that serves such a container, the container's capacity being what it fits, no
# size of its own ("aquarium heater 50 gallon", "5 gallon bucket lid", "40 gallon tank
# stand", "55 gallon drum pump"); a water dispenser serves the jug it takes ("5 gallon water
# dispenser"; a drink's or soap's dispenser holds its own: "2 gallon beverage dispenser"); a
# water heater is a tank itself ("50 gallon water heater"); a liner is sold by the capacity of
# the can it lines ("13 gallon trash can liners", "55 gallon drum liners"), its own size
_SERVER = re.compile(
    r"(?<![\w'’-])(?:(?P<dispenser>(?<=water\s)dispensers?)|pumps?|filters?|filtration"
    r"|(?<!water\s)heaters?|chillers?|lids?|stands?|covers?|hoods?|canop(?:y|ies)|lights?|lighting|spigots?"
    r"|spouts?|taps?|valves?|caps?|handles?|doll(?:y|ies)|racks?|holders?|sleeves?|straws?"
    r"|gaskets?|seals?|openers?|wrench(?:es)?|skimmers?|thermometers?|bubblers?|air\s?stones?)"
    r"(?![\w'’-])", re.I)
# a "for" / "fits" that makes what follows it the container served ("air pump for aquarium
# 40 gallon"): one that introduces a device (:data:`_FITS_CUE`, :func:`_fits_cue`)
_SERVED_CUE = re.compile(_FITS_CUE, re.I)


def _serves_container(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the capacity of ``m`` (gallons, quarts, ounces; ``start``: where it, or the
    list it ends, starts) is that of the container the product serves, named in the size's
    clause (no "with", "and", "plus" or comma between): a pump, a filter, a heater, a lid, a
    stand... after the container, or before a "for" / "fits" the container follows
    ("aquarium heater 50 gallon", "5 gallon bucket lid", "fish tank filter 20 gallon", "air
    pump for aquarium 40 gallon"), or a water dispenser, which takes a jug ("5 gallon water
    dispenser"). The product fits the container, it has no such capacity: a hint
    (:func:`size_hints`), no filter. The container itself keeps its size ("20 gallon fish
    tank", "5 gallon bucket", "fish tank 20 gallon with filter"), and so do a product that
    the server serves ("pressure tank for well pump 20 gallon") and a water heater."""
    if not _CAPACITY_UNIT.search(m.group("one")):
        return False
    lo = max((b.end() for b in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    cut = _CLAUSE_BREAK.search(text, m.end())
    hi = cut.start() if cut is not None else len(text)
    cue = next((c for c in _SERVED_CUE.finditer(text, lo, hi) if _fits_cue(c)), None)
    mid = cue.start("cue") if cue is not None else hi  # (the product's words end at the cue)
    served = cue is not None and _CONTAINER.search(text, cue.end(), hi) is not None
    for server in _SERVER.finditer(text, lo, mid):
        if server.group("dispenser") or served \
                or _CONTAINER.search(text, lo, server.start()):
            return True
    return False


def _bound_before(text: str, pos: int) -> bool:
    """Whether a bound word is right before ``pos`` ("under 55 inch"; a bare "max" / "min"
    after a name part is none: "iphone 13 pro max 256gb")."""
    before = _SIZE_BOUND_BEFORE.search(text, max(0, pos - _SIZE_CUE_WINDOW), pos)
    if before is None:
        return False
    kw = (before.group("kw") or "").lower()
    bare = kw in ("max", "min") and not before.group("dot")
    return not (bare and _MAX_NAME.search(
        text, max(0, before.start() - _SIZE_CUE_WINDOW), before.start()))


def _bounded(text: str, m: re.Match[str], start: int) -> bool:
    """Whether a bound word is right before (``start``: where the size, or the list it ends,
    starts) or after the size of ``m`` ("tv under 55 inch", "55 inch or larger"): a bound is
    no value a product has."""
    return _bound_before(text, start) or _SIZE_BOUND_AFTER.match(text, m.end()) is not None


def _fits_cue(m: re.Match[str] | None) -> bool:
    """Whether a :data:`_FITS_CUE` match introduces a device the product fits."""
    if m is None:
        return False
    cue, prev = m.group("cue").lower(), m.group("prev") or ""
    if cue == "for":
        return prev.lower() not in NOT_FITTED
    if cue == "fit":
        return not _FIT_STYLE.fullmatch(prev)
    return True


def _fits(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the size of ``m`` is the size of a device the product fits, introduced by "for",
    "fits" or "compatible with", or the storage of a device an accessory is sought for (see
    :func:`parse_sizes`; ``start``: where the size, or the list it ends, starts)."""
    lo = max(0, start - _SIZE_CUE_WINDOW)
    if _fits_cue(_FITS_BEFORE.search(text, lo, start)):
        return True
    if _SCREEN_UNIT.search(m.group("one")):
        return _fits_cue(_FITS_DEVICE.search(text, lo, start))
    return bool(_STORAGE_UNIT.search(m.group("one"))) and _device_storage(text, m, start)


def _device_storage(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the storage size of ``m`` is the capacity of the device whose phrase it ends,
    an accessory for which is sought ("case for iphone 7 plus 128gb", "iphone 7 plus 128gb
    case"): no accessory has that capacity, so a filter on it would remove every one. Without
    such an accessory the capacity is the product's ("iphone 7 plus 128gb", "sd card for
    switch 256gb", "usb for iphone 128gb")."""
    device = _DEVICE_BEFORE.search(text, max(0, start - _SIZE_CUE_WINDOW), start)
    if device is None:
        return False
    return _ACCESSORY_AFTER.match(text, m.end()) is not None or _ACCESSORY_BEFORE.search(
        text, max(0, device.start() - _SIZE_CUE_WINDOW), device.start()) is not None


def _is_size(text: str, m: re.Match[str], start: int) -> bool:
    """Whether a ``one`` match of :data:`_SIZE` is a size (see :func:`parse_sizes`);
    ``start``: where it starts, or the list of numbers it ends ("55 or 65 inch": the context
    before the list is that of each of its sizes)."""
    one = m.group("one")
    if _SPACED_IN.search(one) and _PRICE_BEFORE.search(text, 0, start):
        return False  # "under 500 in black": a price
    # a quote that closes one opened before is no inch mark ('"iphone 11"', “iphone 11”)
    mark = re.search(rf"{_INCH_MARK}$", one)
    if mark is not None and _closes_quote(text, m.start() + mark.start()):
        return False
    if _DIM_AFTER.match(text, m.end()) \
            or _DIM_BEFORE.search(text, max(0, start - _DIM_WINDOW), start):
        return False
    return not (_bounded(text, m, start) or _fits(text, m, start)
                or _part_measure(text, m, start) or _not_metres(text, m, start))


# a metre's unit at the end of a size: "m" alone ("2m", "1.5 m") or written out ("3 metre")
_METRE_UNIT = re.compile(r"(?<![a-z])(?:(?P<m>m)|met(?:er|re)s?|mtrs?)$", re.I)
# a length sold by the metre: a cable, a cord, a wire, a hose, string lights... (a glued "2m"
# counts as metres only in a query that names one: "10m led strip lights", "2m hdmi cable";
# not "3m command strips", "tattoo tubes 11m")
_BY_LENGTH = re.compile(
    r"(?<![\w'’-])(?:cables?|cords?|leads?|wires?|wiring|hoses?|ropes?|chains?|extensions?"
    r"|extenders?|tubing|ducting|garlands?|lights|fencing|netting|fabric|ribbons?|curtains?"
    r"|tape\s+measures?|measuring\s+tapes?)"
    r"(?![\w'’-])", re.I)
# a letter "m" a number may write that is no metre: a medium width or size ("size 10 m",
# "shoes 9 m"), a month of a baby's age ("12m", "18 m"): in a query that names clothing,
# footwear, diapers or a baby, or right after "size"
_M_NOT_METRE = re.compile(
    r"(?<![\w'’-])(?:baby|babies|infants?|toddlers?|newborns?|preemie|kids?|girls?|boys?"
    r"|months?|onesies?|wom[ae]n(?:['’]?s)?|m[ae]n(?:['’]?s)?)(?![\w'’-])", re.I)
_SIZE_WORD_BEFORE = re.compile(r"(?<![\w'’-])size\s*[:=#-]?\s*$", re.I)
# the depth a watch or a camera is water resistant to and the range of a wireless device, no
# length of the product: a query that names a depth ("water resistant to 100 meters", "dive
# computer 100m"), the metres right after or before a watch or a range ("dive watch 200m",
# "bluetooth speaker range 30 m", "200m watch"), or a range anywhere in a query that names no
# cable or cord (:data:`_RANGE`); not a watch elsewhere ("apple watch charger cable 2m")
_DEPTH = re.compile(
    r"(?<![\w'’-])(?:dive|diving|divers?|scuba|snorkel\w*|water[\s-]?resist\w*"
    r"|depth|underwater)(?![\w'’-])", re.I)
# a wireless device's range anywhere in a query that names no cable or cord ("wifi range
# extender 100m"; "10m hdmi cable long range", "range extender 10m cable": a cable's length)
_RANGE = re.compile(r"(?<![\w'’-])(?:range|distance)(?![\w'’-])", re.I)
_CORDS = re.compile(r"(?<![\w'’-])(?:cables?|cords?|leads?|wires?|hoses?|ropes?)(?![\w'’-])",
                    re.I)
_DEPTH_NEAR = r"(?:watch(?:es)?|smartwatch(?:es)?|range|distance)"
_DEPTH_BEFORE = re.compile(rf"(?<![\w'’-]){_DEPTH_NEAR}\s+(?:(?:up\s+)?(?:to|of)\s+)?$", re.I)
_DEPTH_AFTER = re.compile(rf"\s+{_DEPTH_NEAR}(?![\w'’-])", re.I)


def _not_metres(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the metres of ``m`` are none: a depth a watch is water resistant to ("dive
    watch 200m") or a wireless range ("wifi range 100 m"; a watch or a range beside the
    number, or a depth word anywhere: :data:`_DEPTH`), and a bare "m" that is a letter,
    not a metre: after "size", in a query that names clothing, footwear, diapers, a baby,
    women or men ("size 10 m", "shoes 9 m", "12m baby", "women's 8 m": a width, a medium, a
    month), and an integer glued to it in a query that names nothing sold by length
    (:data:`_BY_LENGTH`: "3m tape", a brand, "tattoo tubes 11m", a needle, "125m work
    gloves", a model; "2m hdmi cable", "1.5m", "2 m" are metres)."""
    one = m.group("one")
    unit = _METRE_UNIT.search(one)
    if unit is None:
        return False
    if _DEPTH.search(text) or (_RANGE.search(text) and not _CORDS.search(text)) \
            or _DEPTH_AFTER.match(text, m.end()) \
            or _DEPTH_BEFORE.search(text, max(0, start - _SIZE_CUE_WINDOW), start):
        return True
    if unit.group("m") is None:
        return False  # "3 metre", "10 mtr" are metres
    if _SIZE_WORD_BEFORE.search(text, max(0, start - _SIZE_CUE_WINDOW), start) \
            or _WEARS.search(text) or _DIAPERS.search(text) or _M_NOT_METRE.search(text):
        return True
    glued = re.fullmatch(r"\d+m", one, re.I) is not None
    return glued and not _BY_LENGTH.search(text)


# a length unit: the measure of a part is one ("4 inch heels", "5 inch inseam", "7 cm heel")
_LENGTH_UNIT = re.compile(
    rf"(?:inch(?:es)?|in|mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?|{_INCH_MARK})$", re.I)
# shoes with heels: a length in a query that names them is the heel's height, no size of the
# shoe ("4 inch heels", "heels 4 inch", "block heels 3 inch", "3 inch heel sandals")
_HEELS = re.compile(r"(?<![\w'’-])(?:heels?|heeled|stilettos?)(?![\w'’-])", re.I)
# a part of a garment or a tool measured right after a length ("5 inch inseam", "10 inch
# rise", "34 inch sleeve length", "6 inch leg opening", "knife 3 inch blade") or right before
# it ("inseam 5 inch", "heel height 3 inch", "blade length 4 inch")
_PART = r"inseam|rise|leg\s+opening|(?:sleeve|blade|heel|leg)\s+(?:length|height)"
_PART_AFTER = re.compile(rf"\s*-?\s*(?:{_PART})(?![\w'’-])", re.I)
_PART_BEFORE = re.compile(rf"(?<![\w'’-])(?:{_PART})\s*:?\s*$", re.I)
# a sleeve measured on clothing ("dress shirt 34 inch sleeve"; "13 inch sleeve", "computer
# sleeve 13 inch" are a laptop sleeve's size) and a blade on a knife ("pocket knife 3 inch
# blade"; "10 inch blade" alone may be a saw's blade, the product)
_SLEEVE_AFTER = re.compile(r"\s*-?\s*sleeves?(?![\w'’-])", re.I)
_BLADE_AFTER = re.compile(r"\s*-?\s*blades?(?![\w'’-])", re.I)
_KNIFE = re.compile(r"(?<![\w'’-])(?:knife|knives|machetes?|swords?|daggers?)(?![\w'’-])", re.I)
# a thickness: a length right before "thick" / "thickness" ("2 inch thick cutting board", '2"
# thick', "1 inch thickness") or right after "thickness" ("thickness 2 inch"), any length in a
# query that names a mattress or a topper, a topper being a mattress's unless the query names
# what else it tops (:data:`_OTHER_TOPPER`), whose inches are its thickness ("10 inch
# mattress", "12 inch mattress queen", "3 inch topper", "3 inch memory foam topper", "2 inch
# bed topper"; a mattress and its topper are sold in bed sizes, "Queen"; a cake's or a tree's
# topper keeps its size: "6 inch cake topper", "christmas tree topper 12 inch"),
# and a small length in a query that names a cushion ("4 inch seat cushion", up to
# :data:`_CUSHION_THICK_MAX` inches: "48 inch bench cushion" is its length; a cushion cover is
# sold in its sides, "cushion cover 18 inch")
_THICK_AFTER = re.compile(r"\s*-?\s*thick(?:ness)?(?![\w'’-])", re.I)
_THICK_BEFORE = re.compile(r"(?<![\w'’-])thickness\s*(?:of\s+)?:?\s*$", re.I)
_THICK_PRODUCT = re.compile(r"(?<![\w'’-])mattress(?:es)?(?![\w'’-])", re.I)
_TOPPER = re.compile(r"(?<![\w'’-])toppers?(?![\w'’-])", re.I)
# what a topper of no bed tops or decorates: a cake, a tree, a pencil, a vehicle, a table...
_OTHER_TOPPER = re.compile(
    r"(?<![\w'’-])(?:(?:cup)?cakes?|birthday|wedding|trees?|christmas|xmas|stars?|angels?"
    r"|pencils?|pens?|trucks?|cars?|bikes?|bicycles?|jeeps?|tables?|desks?|posts?|fences?"
    r"|bottles?|wine|hair|wigs?)(?![\w'’-])",
    re.I)
_CUSHION = re.compile(
    r"(?<![\w'’-])cushions?(?!\s*-?\s*(?:covers?|cases?|shams?)\b)(?![\w'’-])", re.I)
#: the most inches a length in a query that names a cushion is read as its thickness
_CUSHION_THICK_MAX = 8.0
# a length's unit, written whole, and the inches in one of it (no unit: inches)
_INCHES_PER = ((re.compile(r"mm|millimet(?:er|re)s?"), 1 / 25.4),
               (re.compile(r"cm|centimet(?:er|re)s?"), 1 / 2.54),
               (re.compile(r"ft|foot|feet"), 12.0),
               (re.compile(r"m|met(?:er|re)s?"), 39.37))


def _inches(one: str) -> float | None:
    """The inches of a length ``one`` ("4 inch": 4, "1 1/2 inch": 1.5, "10 cm": 3.9, "4 ft":
    48, "1.2 m": 47.2...); None where its number is not read."""
    number = _NUMBER_START.match(one)
    if number is None:
        return None
    written = number.group().replace("⁄", "/").replace(",", ".")
    whole, _, frac = written.replace("-", " ").rpartition(" ") if "/" in written \
        else ("", "", written)
    try:
        if "/" in frac:
            num, den = frac.split("/")
            value = float(whole or 0) + int(num) / int(den)
        else:
            value = float(frac)
    except (ValueError, ZeroDivisionError):
        return None
    unit = one[number.end():].strip(" -").lower()
    for word, per in _INCHES_PER:
        if word.fullmatch(unit):
            return value * per
    return value


def _thickness(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the length of ``m`` is a thickness (see :data:`_THICK_AFTER`,
    :data:`_THICK_PRODUCT`): "2 inch thick cutting board", "thickness 2 inch", "10 inch
    mattress", "3 inch topper", "3 inch memory foam topper", "4 inch seat cushion"."""
    if _THICK_AFTER.match(text, m.end()) or _THICK_PRODUCT.search(text) \
            or _THICK_BEFORE.search(text, max(0, start - _SIZE_CUE_WINDOW), start):
        return True
    if _TOPPER.search(text) and not _OTHER_TOPPER.search(text):
        return True  # a mattress's topper ("3 inch topper"), no cake's ("6 inch cake topper")
    if _CUSHION.search(text):
        inches = _inches(m.group("one"))
        return inches is not None and inches <= _CUSHION_THICK_MAX
    return False


def _part_measure(text: str, m: re.Match[str], start: int) -> bool:
    """Whether the size of ``m``, a length, measures a part of the product, no size it is sold
    in: the heel of shoes with heels ("4 inch heels", "heels 4 inch"), an inseam, a rise, a
    leg opening ("5 inch inseam running shorts", "inseam 32 inch"), the sleeve of clothing
    ("dress shirt 34 inch sleeve"), the blade of a knife ("pocket knife 3 inch blade") or a
    thickness (:func:`_thickness`: "2 inch thick cutting board", "10 inch mattress", "4 inch
    seat cushion")."""
    if not _LENGTH_UNIT.search(m.group("one")):
        return False
    if _HEELS.search(text) or _PART_AFTER.match(text, m.end()) \
            or _PART_BEFORE.search(text, max(0, start - _SIZE_CUE_WINDOW), start):
        return True
    if _thickness(text, m, start):
        return True  # a thickness ("2 inch thick cutting board", "10 inch mattress")
    if _SLEEVE_AFTER.match(text, m.end()):
        return re.search(rf"(?<![\w'’-])(?:{_CLOTHING})(?![\w'’-])", text, re.I) is not None
    return _BLADE_AFTER.match(text, m.end()) is not None and _KNIFE.search(text) is not None


# a bare number joined to what follows it by a list's joiner ("55 or ", "50, ", "64 and "):
# an item of a list whose unit is written once, after its last number ("55 or 65 inch"); a
# decimal comma is none there ("50,55 or 65 inch": 50.55 or 50 and 55?)
_LIST_ITEM_BEFORE = re.compile(
    r"(?<![\w./⁄$€£₹¥\-–])(?<!\d,)(?P<n>\d+[ -]\d+[/⁄]\d+|\d+[/⁄]\d+|\d+(?:\.\d+)?)"
    r"(?P<joiner>\s*,\s*(?:(?:or|and|nor)\s+|&\s*)?|\s+(?:or|and|nor|vs\.?|versus)\s+|\s*&\s*)$",
    re.I,
)
#: characters before a size searched for the bare numbers of its list
_LIST_WINDOW = 40
# a word right before a bare number that makes it a side of a range or a price, no list item
# ("55 to 60 or 65 inch", "from 500 or 65 inch"; "between 40 and 50 or 65 inch" is no list)
_LIST_STOP = re.compile(r"(?<![\w'’-])(?:between|to|from)\s*$", re.I)
# the number at the start of a size ("65" of "65 inch"), what follows it being its unit
_NUMBER_START = re.compile(_SIZE_NUM)
# the inch marks written with two characters (″ is ′′ once NFKC-normalised, as the pipeline
# reads a query; '' and ’’ are typed for it): the size's value has the one mark '"' instead, a
# term an index holds ('50″ tv' was the size '50′′', which matched nothing)
_TWO_MARK_INCH = re.compile(r"(?:″|′′|''|’’)$")


class Size(NamedTuple):
    """A size read from a query (:func:`find_sizes`): its value and the characters of the
    query it was read from (``start``, ``end``; for a number of a list that shares its unit,
    "55" of "55 or 65 inch", the number alone)."""

    value: str
    start: int
    end: int


def _list_items(text: str, m: re.Match[str]) -> list[tuple[int, int]]:
    """The bare numbers of the list whose unit the size of ``m`` writes, in order ("55" of "55
    or 65 inch", "50" and "55" of "50, 55 or 65 inch"), as (start, end): a list's last joiner
    is "or", "and", "nor", "&", "vs" or "versus" (a comma alone joins no list: "iphone 11,
    64gb"; "65 vs 75 inch": both). A number
    with a bound word, "to", "from" or the other side of a dimension right before it ("tv under
    500 or 65 inch", "24 x 36 or 48 inch") is no item, and ends the list; "2 and 1/2 inch" is
    one number, and "between 40 and 50 or 65 inch" no list."""
    items: list[tuple[int, int]] = []
    pos = m.start()
    while (j := _LIST_ITEM_BEFORE.search(text, max(0, pos - _LIST_WINDOW), pos)) is not None:
        joiner = j.group("joiner").strip().lower()
        if not items and (joiner == "," or (joiner in ("and", "&")
                                            and re.match(r"\d+[/⁄]\d", m.group("one")))):
            break  # "iphone 11, 64gb"; "2 and 1/2 inch", a mixed number
        lo = j.start("n")
        stop = _LIST_STOP.search(text, max(0, lo - _LIST_WINDOW), lo)
        if stop is not None and stop.group().lower().startswith("between"):
            return []
        if stop is not None or _bound_before(text, lo) \
                or _DIM_BEFORE.search(text, max(0, lo - _DIM_WINDOW), lo):
            break
        items.insert(0, (lo, j.end("n")))
        pos = lo
    return items


# a clothing letter size ("size m", "xl size"), and those of several letters, which are read
# without the word "size" too (below); a single letter is read next to "size" only: alone it
# is as often a name's ("galaxy s", "l shaped desk", "m.2 ssd")
_LETTER_SIZE = r"(?:xxs|xs|s|m|l|xl|xxl|xxxl|[2-5]xl)"
_MULTI_LETTER_SIZE = r"(?:xxs|xs|xl|xxl|xxxl|[2-5]xl)"
# a bra size, band and cup ("size 34b", "32dd size"), next to "size" only ("28g wire" is a
# gauge, "32dd top" may be a name)
_BRA_SIZE = r"(?:2[89]|[34]\d|5[0-2])(?:aa|[a-k]|dd|ddd|ff|gg|hh|jj)"
# what ends a letter size: not a word, a range or pair of sizes ("size s/m", "l-xl", "s&m")
_LETTER_END = r"(?![\w'’/&+-])"
# the word "size" and a letter or bra size after it ("size m", "size: xl", "plus size 3xl")
_SIZE_THEN_LETTER = re.compile(
    rf"(?<![\w'’-])size\s*(?:[:=-]\s*)?(?P<v>{_LETTER_SIZE}|{_BRA_SIZE}){_LETTER_END}", re.I)
# a letter or bra size and the word "size" after it ("m size", "xl-size"); not one after a
# number ("5 l size": litres, "10 m size": metres) nor one before "size" and a number or
# another size, which is then the size ("women s size 10", its "'s" written apart), nor one
# after a model's name (:data:`_LETTERS_NAME_BEFORE`: "iphone xs size")
_LETTER_THEN_SIZE = re.compile(
    rf"(?<![\w'’.,/&+-])(?<!\d\s)(?P<v>{_LETTER_SIZE}|{_BRA_SIZE})\s*-?\s*size(?![\w'’-])"
    rf"(?!\s*[:=-]?\s*(?:\d|{_LETTER_SIZE}{_LETTER_END}))",
    re.I,
)
# a word before a single letter that makes it a name's ("galaxy s size", "type s size") or a
# possessive written apart ("women s size", "kid s size")
_LETTER_NAME_BEFORE = re.compile(
    r"(?<![\w'’-])(?:galaxy|iphone|pixel|series|class|type|model|version|gen|grade|mark"
    r"|vitamin|note|(?:wo)?men|kids?|girls?|boys?|child(?:ren)?|lady|ladies|baby|babies"
    r"|toddlers?|teens?|juniors?)\s+$",
    re.I,
)
# clothing sold in letter sizes: a size of several letters after it, up to three words apart
# ("t shirt xxl", "kurti for women xl", "shirts 4xl"), or before it, up to two words apart
# ("2xl tall man shirt", "pink 2xl safety vest", "xxl club dress"), is its size. "top" is
# no garment in a product's part or a rating ("counter top", "lid top", "drawstring top",
# "top rated", "top entry", "top load", "top coat"), nor "scrubs" in a care product ("sugar
# scrubs", "body scrubs")
_NOT_A_TOP = (
    r"(?<!counter\s)(?<!table\s)(?<!lid\s)(?<!desk\s)(?<!drawstring\s)tops?"
    r"(?!\s+(?:rated|rating|entry|load|loads|loader|loaders|loading|freezer|mount|mounted"
    r"|coat|coats|handle|seller|sellers|brands?|quality|notch|picks?)(?![\w'’-]))")
_NOT_A_SCRUB = (
    r"(?<!sugar\s)(?<!body\s)(?<!face\s)(?<!salt\s)(?<!foot\s)(?<!lip\s)(?<!coffee\s)"
    r"(?<!facial\s)(?<!hand\s)scrubs")
_CLOTHING = (
    rf"t[\s-]?shirts?|tshirts?|shirts?|tees?|{_NOT_A_TOP}|blouses?|kurt[ai]s?|kurtis"
    r"|dress(?:es)?|gowns?|frocks?|skirts?|jeans|jeggings|leggings|tights|pants|trousers|shorts|joggers"
    r"|track\s?pants|sweatpants|capris?|palazzos?|pyjamas?|pajamas?|night\s?suits?|nighties"
    r"|nighty|nightwear|sleepwear|loungewear|activewear|sportswear|lingerie|bras?|bralettes?"
    r"|panty|panties|briefs|underwear|innerwear|vests?|camisoles?|jackets?|coats?|raincoats?"
    r"|blazers?|suits?|hoodies?|sweatshirts?|sweaters?|cardigans?|pullovers?|jumpers?|shrugs?"
    r"|tunics?|jumpsuits?|rompers?|bodysuits?|overalls|dungarees|tracksuits?|polos?|jerseys?"
    rf"|uniforms?|{_NOT_A_SCRUB}|swimsuits?|swimwear|bikinis?|costumes?|lehengas?|salwars?"
    r"|churidars?|kaftans?|socks|gloves|clothes|clothing|apparel|outfits?|boxers|trunks"
    r"|(?:bath\s?)?robes?|parkas?|windbreakers?|leotards?|aprons?|onesies?|nightgowns?|nightie"
    r"|corsets?|scar(?:f|ves)|tuxedos?|sarees?|saris?|chinos|khakis|coveralls|shawls?"
)
#: the words of clothing sold in letter sizes, a regex alternation: fusion.expand reads a garment
#: size written as a word ("t shirt large") only beside them, as letter sizes are read here
CLOTHING = _CLOTHING
# a word between the clothing and its size (no number: "pack of 3 xl")
_BETWEEN = r"(?:\s+[a-z][a-z'’-]*)"
_CLOTHING_THEN_LETTERS = re.compile(
    rf"(?<![\w'’-])(?:{_CLOTHING}){_BETWEEN}{{0,3}}?\s+(?P<v>{_MULTI_LETTER_SIZE}){_LETTER_END}",
    re.I,
)
_LETTERS_THEN_CLOTHING = re.compile(
    rf"(?<![\w'’.,/&+-])(?P<v>{_MULTI_LETTER_SIZE}){_BETWEEN}{{0,2}}?\s+(?:{_CLOTHING})"
    r"(?![\w'’-])",
    re.I,
)
# what those two need (a letter size of several letters) and the size patterns next to "size"
# need (the word), alone: where a query has none, they are not searched (:func:`_word_sizes`)
_MULTI_LETTERS = re.compile(_MULTI_LETTER_SIZE, re.I)
_SIZE_WORD = re.compile("size", re.I)
# before a size of several letters without "size": a model's name ("iphone xs", "pixel xl",
# "pixel 3 xl", "nintendo 2ds xl"), a bed ("twin xl sheets": a bed size) or another size, with
# no joiner ("s m l xl shirt": which one?); after it, "max" ("iphone xs max")
_LETTERS_NAME_BEFORE = re.compile(
    rf"(?:(?<![\w'’-])(?:iphone|pixel|galaxy|xperia|twin|{_LETTER_SIZE})|\d[\w.]*)\s+$", re.I)
_LETTERS_NAME_AFTER = re.compile(r"\s+max\b", re.I)
#: the bed sizes, as a catalogue's size facet and the KG write them ("King", "Queen")
_BED_SIZES = {"twin": "Twin", "full": "Full", "double": "Double", "queen": "Queen",
              "king": "King"}
#: the words before "king" / "queen" that name another bed size, and its value ("california
#: king", "cal king": "California King"; "split king": "Split King")
BED_SIZE_PREFIXES = {"california": "California", "cal": "California", "split": "Split",
                     "super": "Super", "olympic": "Olympic"}
# a bed size's word right before "size" ("queen size", "king-size", "twin xl size"): that
# "size" is the bed size's, and a letter after it the start of the next word ("queen size m",
# "boys queen size s", "electric blanket twin size s": no M, no S)
_BED_SIZE_OWNS = re.compile(
    rf"(?<![\w'’-])(?:{'|'.join(_BED_SIZES)})(?:\s+xl)?\s*-?\s*$", re.I)
# a bed size: its word, a prefix before "king" / "queen" (:data:`BED_SIZE_PREFIXES`), "xl"
# after "twin" / "full" ("twin xl": "Twin XL"), another size after a slash, spaced or not, with
# a prefix or not ("full/queen": "Full/Queen", a size comforters are sold in; "king/cal king",
# "queen / california king": two sizes, see :func:`_bed_values`), then "size" or not ("king
# size", "queen-size")
_BED_WORD = rf"(?:{'|'.join(_BED_SIZES)})"


def _bed_one(n: str) -> str:
    """The pattern of one bed size of :data:`_BED_SIZE`, its groups named with ``n``."""
    return (rf"(?:(?P<pre{n}>{'|'.join(BED_SIZE_PREFIXES)})\s+(?=(?:queen|king)\b))?"
            rf"(?P<v{n}>{_BED_WORD})(?:\s*-?\s*(?P<xl{n}>xl)(?![\w'’]))?")


_BED_SIZE = re.compile(
    rf"(?<![\w'’/-]){_bed_one('')}(?:\s*/\s*{_bed_one('2')})?"
    r"(?P<size>\s*-?\s*sized?)?(?![\w'’/-])",
    re.I)
# another bed size that ends with those words, no value read ("alaskan king", "eastern king")
_BED_SIZE_BEFORE = re.compile(
    r"(?<![\w'’-])(?:alaskan|emperor|eastern|western|texas|wyoming)\s+$", re.I)
# bedding, which a query must name for a bed size to be read: "king size" is no bed's in "king
# size chocolate", "queen size 7 panty hose" (hosiery) nor "full size mirror", "full size crib",
# "microwaves full size"; no truck bed ("full size truck bed cover"), sheet pan nor sheet of
# labels ("full sheet labels")
_BEDDING_WORDS = (
    r"(?<!truck )(?<!pickup )beds?|bedsheets?|sheets?(?!\s+(?:pans?|cakes?|music|metal|masks?"
    r"|labels?|papers?|stickers?)\b)|bedding|beddings|bedspreads?|duvets?|comforters?|quilts?"
    r"|blankets?|mattress(?:es)?|toppers?|headboards?|daybeds?|futons?|cots?|dohars?|razais?"
    r"|rajais?|coverlets?|doonas?|pillows?|pillowcases?|box\s*springs?")
_BEDDING = re.compile(rf"(?<![\w'’-])(?:{_BEDDING_WORDS})(?![\w'’-])", re.I)
# a bed size without "size" (not "double": "double sided", "double layer") is read only next
# to bedding, up to three words apart, before it ("twin comforter", "full bed frame", "cal king
# bamboo sheets", "twin rollaway bed") or after it ("mattress protector full", "comforter sets
# twin", "mattress topper memory foam full"): no joiner, number or punctuation between
# (a length is one of those words: "mattress 12 inch queen", the mattress's thickness)
_BED_GAP = (r"(?:\s+(?!(?:with|without|and|or|nor|for|in|on|of|to|by|no|not|over|under|plus"
            r"|from|vs)\b)(?:[a-z][a-z'’-]*|\d+(?:\.\d+)?\s*-?\s*(?:inch(?:es)?|in|cm"
            rf"|{_INCH_MARK})(?![\w'’-]))){{0,3}}?")
_BEDDING_AFTER = re.compile(rf"{_BED_GAP}\s+(?:{_BEDDING_WORDS})(?![\w'’-])", re.I)
_BEDDING_BEFORE = re.compile(
    rf"(?<![\w'’-])(?:{_BEDDING_WORDS}){_BED_GAP}\s+$", re.I)
# a word after a bare "full" / "twin" / "queen" / "king" that makes it no bed size ("full body
# pillow", "full length mirror", "full zip", "full coverage", "twin pack", "king koil" a
# mattress maker, "queen anne"), and "over" on either side: a bunk bed's two sizes ("twin over
# full bunk bed": one value or two?)
_NOT_BED_AFTER = re.compile(
    r"\s*-?\s*(?:length|body|zip|hd|coverage|face|pack|packs|sun|over|koil|anne|bee|crab"
    r"|snake|cobra|grain)(?![\w'’-])", re.I)
_NOT_BED_BEFORE = re.compile(r"(?<![\w'’-])over\s+$", re.I)
_FOR = re.compile(r"(?<![\w'’-])for(?![\w'’-])", re.I)


def _bed_one_value(m: re.Match[str], n: str) -> str:
    """The value of the bed size of :data:`_BED_SIZE`'s groups named with ``n``."""
    value = _BED_SIZES[m.group(f"v{n}").lower()] + (" XL" if m.group(f"xl{n}") else "")
    if m.group(f"pre{n}"):
        value = f"{BED_SIZE_PREFIXES[m.group(f'pre{n}').lower()]} {value}"
    return value


def _bed_values(m: re.Match[str]) -> list[tuple[str, int, int]]:
    """The values of a bed size :data:`_BED_SIZE` read, each with the characters it was read
    from ("king": "King", "cal king": "California King", "twin xl": "Twin XL"): one for two
    sizes around a slash ("full/queen": "Full/Queen", a size comforters are sold in), but two
    where either has a prefix ("king/cal king", "cal king/king": "King" and "California King",
    in the order written; no size "California King/King")."""
    value = _bed_one_value(m, "")
    if not m.group("v2"):
        return [(value, m.start(), m.end())]
    if not (m.group("pre") or m.group("pre2")):
        return [(f"{value}/{_bed_one_value(m, '2')}", m.start(), m.end())]
    first_end = m.end("xl") if m.group("xl") else m.end("v")
    second_start = m.start("pre2") if m.group("pre2") else m.start("v2")
    return [(value, m.start(), first_end), (_bed_one_value(m, "2"), second_start, m.end())]


def _bed_sizes(text: str) -> Iterator[re.Match[str]]:
    """The bed sizes of a query that names bedding (:data:`_BEDDING`): one before "size"
    ("king size bedsheet"), or a bare one next to bedding (:data:`_BEDDING_AFTER`,
    :data:`_BEDDING_BEFORE`: "twin comforter", "mattress protector full"); not one after
    another bed size's word ("alaskan king"), nor a bare one before a word that makes it none
    (:data:`_NOT_BED_AFTER`: "full body pillow") or beside "over" ("twin over full"), nor one
    after a "for" that follows another ("twin xl fitted sheets for adjustable bed split king":
    the bed the Twin XL sheets fit; "sheets for queen bed" is Queen)."""
    if not _BEDDING.search(text):
        return
    last = None  # where the last bed size read ends
    for m in _BED_SIZE.finditer(text):
        if last is not None and _FOR.search(text, last, m.start()):
            continue
        lo = max(0, m.start() - _SIZE_CUE_WINDOW)
        if _BED_SIZE_BEFORE.search(text, lo, m.start()):
            continue
        if m.group("size") is None and (
                (m.group("v").lower() == "double" and not m.group("pre"))
                or _NOT_BED_AFTER.match(text, m.end())
                or _NOT_BED_BEFORE.search(text, lo, m.start())
                or not (_BEDDING_AFTER.match(text, m.end())
                        or _BEDDING_BEFORE.search(text, lo, m.start()))):
            continue
        last = m.end()
        yield m


# a joiner of a list of sizes written as words ("size m or l", "xl, xxl or 3xl", "queen or
# king size"): every size of it is read, or none (a filter on one would drop the others)
_WORD_JOINER = r"(?:\s*,\s*(?:(?:or|and)\s+)?|\s+(?:or|and|nor|vs\.?|versus)\s+|\s*&\s*)"
_WORD_LIST_AFTER = {
    "letter": re.compile(
        rf"{_WORD_JOINER}(?P<v>{_LETTER_SIZE}|{_BRA_SIZE}){_LETTER_END}", re.I),
    "bed": re.compile(rf"{_WORD_JOINER}(?P<v>{'|'.join(_BED_SIZES)})(?![\w'’/&+-])", re.I),
}
_WORD_LIST_BEFORE = {
    "letter": re.compile(
        rf"(?<![\w'’.,/&+-])(?<!\d\s)(?P<v>{_LETTER_SIZE}|{_BRA_SIZE}){_WORD_JOINER}$", re.I),
    "bed": re.compile(rf"(?<![\w'’-])(?P<v>{'|'.join(_BED_SIZES)}){_WORD_JOINER}$", re.I),
}


def _word_value(kind: str, written: str) -> str:
    """A size written as a word as a catalogue's size facet holds it: a letter or bra size in
    capitals ("XL", "2XL", "34B"), a bed size capitalised ("King")."""
    return _BED_SIZES[written.lower()] if kind == "bed" else written.upper()


def _word_sizes(text: str) -> list[Size]:
    """The sizes written as words of a query (see :func:`parse_sizes`): a clothing letter size
    next to "size" ("size m", "xl size": "M", "XL"), a bra size next to "size" ("size 34b":
    "34B"), a letter size of several letters after or before clothing ("t shirt xxl": "XXL")
    and a bed size before "size" in a query that names bedding ("king size bedsheet": "King"),
    and every size of a list joined to one ("size m or l": "M", "L"); none of a bounded list
    ("size m or larger", "up to xxl"). Each with the characters it was read from, the word
    "size" included ("not size m" excludes it)."""
    # (kind, where the size's own letters start) -> (value, start, end)
    found: dict[tuple[str, int], tuple[str, int, int]] = {}

    def add(kind: str, m: re.Match[str], start: int, end: int, value: str = "",
            at: int | None = None) -> None:
        at = m.start("v") if at is None else at  # (where the size's own letters start)
        kept = found.get((kind, at))  # (read twice: the widest, "size xl" of "xl")
        if kept is None or kept[2] - kept[1] < end - start:
            found[(kind, at)] = (value or _word_value(kind, m.group("v")), start, end)

    # (the patterns below are searched only where what each needs is there: the word "size",
    # a letter size of several letters; most queries have neither)
    sized = _SIZE_WORD.search(text) is not None
    for m in _SIZE_THEN_LETTER.finditer(text) if sized else ():
        if _BED_SIZE_OWNS.search(text, max(0, m.start() - _SIZE_CUE_WINDOW), m.start()):
            continue  # "queen size m", "king size b": a bed size's "size", then a word begun
        add("letter", m, m.start(), m.end())
    for m in _LETTER_THEN_SIZE.finditer(text) if sized else ():
        lo = max(0, m.start() - _SIZE_CUE_WINDOW)
        if _LETTERS_NAME_BEFORE.search(text, lo, m.start()) or (
                len(m.group("v")) == 1 and _LETTER_NAME_BEFORE.search(text, lo, m.start())):
            continue  # "iphone xs size", "galaxy s size", "women s size"
        add("letter", m, m.start(), m.end())
    for pat in (_CLOTHING_THEN_LETTERS, _LETTERS_THEN_CLOTHING) \
            if _MULTI_LETTERS.search(text) else ():
        for m in pat.finditer(text):
            lo, hi = m.span("v")
            if not (_LETTERS_NAME_BEFORE.search(text, max(0, lo - _SIZE_CUE_WINDOW), lo)
                    or _LETTERS_NAME_AFTER.match(text, hi)):
                add("letter", m, lo, hi)
    for m in _bed_sizes(text):
        for value, start, end in _bed_values(m):
            add("bed", m, start, end, value, at=start)
    out: list[Size] = []
    done: set[tuple[str, int]] = set()
    for (kind, at), (value, start, end) in sorted(found.items(), key=lambda f: f[1][1]):
        if (kind, at) in done:
            continue
        group = [Size(value, start, end)]
        if kind in _WORD_LIST_AFTER:  # the list it is an item of
            while (j := _WORD_LIST_BEFORE[kind].search(
                    text, max(0, group[0].start - _LIST_WINDOW), group[0].start)) is not None \
                    and (kind, j.start("v")) not in found:  # (not one read on its own before)
                group.insert(0, Size(_word_value(kind, j.group("v")), j.start("v"), j.end("v")))
                done.add((kind, j.start("v")))
            while (j := _WORD_LIST_AFTER[kind].match(text, group[-1].end)) is not None:
                item = found.get((kind, j.start("v")))
                group.append(Size(*item) if item is not None else Size(
                    _word_value(kind, j.group("v")), j.start("v"), j.end("v")))
                done.add((kind, j.start("v")))
        if not (_bound_before(text, group[0].start)
                or _SIZE_BOUND_AFTER.match(text, group[-1].end)):
            out.extend(group)  # (a bound, "size l or larger", "up to xxl", is no value)
    return out


# footwear, sold in numeric sizes ("shoes size 8", "uk 9") as clothing is ("jeans size 16")
_FOOTWEAR = (
    r"shoes?|sneakers?|boots?|booties|heels?|sandals?|pumps|cleats|slippers?|loafers?|flats"
    r"|flip[\s-]?flops?|clogs?|trainers|moccasins?|oxfords|mules|espadrilles|footwear")
# gear sold in letter sizes as clothing is ("bike helmet m", "dog harness l", "wetsuit xl",
# "apple watch band m"; diapers: "pampers nb")
_LETTER_SIZED_GEAR = (
    r"helmets?|harness(?:es)?|collars?|wetsuits?|drysuits?|rash\s?guards?|(?:knee|elbow|shin)"
    r"\s?(?:pads?|guards?|sleeves?)|life\s?vests?|hats?|beanies?|caps?|mittens|belts?|bands?"
    r"|straps?|diapers?|nappies|nappy|pull[\s-]?ups|huggies|pampers|luvs")
#: clothing, footwear and gear sold in letter sizes, a regex alternation: fusion.expand reads a
#: linked letter size ("M", "L", "XL") without the word "size" only in a query that names one
#: ("mens shirt l", "bike helmet m"; not "tv m", "curtains for l")
LETTER_SIZED = rf"{_CLOTHING}|{_FOOTWEAR}|{_LETTER_SIZED_GEAR}"
# a query that names clothing or footwear: only there is a number after "size" a garment's or
# a shoe's size ("gauges size 00" is an ear gauge's, "size 3 crochet hook" a hook's)
_WEARS = re.compile(rf"(?<![\w'’-])(?:{_CLOTHING}|{_FOOTWEAR})(?![\w'’-])", re.I)
# diapers, sold in numbered sizes as garments are ("huggies diapers size 4", "size 4
# diapers", "pampers swaddlers size 2"): their words and the makers that sell nothing else by
# size (Huggies, Pampers, Luvs: wipes beside them have no size), which most diaper queries
# name instead ("huggies size 1", "huggies overnites size 6": 5 of the 55 "size N" queries of
# QueryNER, the others clothing and shoes). A diaper's number after "size" is its size, a
# filter as a shoe's is; not a size system's ("uk 9") nor a waist (:func:`size_hints`)
_DIAPERS = re.compile(
    r"(?<![\w'’-])(?:diapers?|nappies|nappy|pull[\s-]?ups|training\s+pants|goodnites"
    r"|huggies|pampers|luvs)(?![\w'’-])", re.I)
# sports balls, sold in numbered sizes ("size 5 soccer ball", "basketball size 7", "size 4
# footballs"): a number after "size" in a query that names one is the ball's size
_BALLS = re.compile(
    r"(?<![\w'’-])(?:soccer|foot|basket|volley|hand|net|rugby|futsal|dodge|kick)\s*-?\s*balls?"
    r"(?![\w'’-])", re.I)
# the number of a garment or shoe size: whole or a half ("8", "8.5", "00"), no range, list
# or pair ("size 6-7", "size 9 to 11", "size 8/9") nor an age or a length ("size 24 month",
# "size 3t")
_GARMENT_NUMBER = (
    r"(?P<v>\d{1,2}(?:\.5)?)(?![\w.,/⁄'’%\"”″+-])"
    r"(?!\s*(?:-|–|—|to|or|and|nor|&|/|x|×)\s*\d)"
    r"(?!\s*(?:months?|mos?|mths?|m|t|yrs?|years?|y|weeks?|wks?|days?)(?![\w'’-]))")
# the word "size" and a number right after it ("shoes size 8", "size 10 shoes", "size: 9");
# not after a size system's word ("uk size 9": :data:`_SYSTEM_SIZE`)
_SIZE_THEN_NUMBER = re.compile(
    rf"(?<![\w'’-])(?<!uk\s)(?<!us\s)(?<!eu\s)size\s*(?:[:=#-]\s*)?{_GARMENT_NUMBER}", re.I)
# a size system's word and a number ("uk 9", "us 10.5", "eu size 42"): a hint of the size
# (:func:`size_hints`), no filter: no query of the data sets writes one
_SYSTEM_SIZE = re.compile(
    rf"(?<![\w'’-])(?P<sys>uk|us|eu)\s*(?:size\s*)?(?:[:=#-]\s*)?{_GARMENT_NUMBER}", re.I)
# trousers sold by waist and length ("jeans 32x30", "levis jeans 34 waist", "28 waist jeans",
# "waist 34"): a hint of the size (:func:`size_hints`), no filter
_TROUSERS = re.compile(
    r"(?<![\w'’-])(?:jeans|pants|trousers|chinos|slacks|shorts|denims?)(?![\w'’-])", re.I)
_WAIST_SIZE = re.compile(
    r"(?<![\w.,/'’-])(?:(?P<w>[2-5]\d)\s*[x×]\s*(?P<l>[2-4]\d)(?![\w.,/'’%\"”″-])"
    r"|(?P<waist>[2-5]\d)\s*(?:-?\s*(?:inch(?:es)?|in|\"|”|″))?\s*-?\s*waist(?![\w'’-])"
    r"|(?<=waist\s)(?P<after>[2-5]\d)(?![\w.,/'’%\"”″-]))",
    re.I)


# hosiery, sold in bands of shoe sizes or letters ("socks 9-11", "queen size" panty hose): a
# number after "size" is a shoe size that a band holds, no value of its facet ("ankle socks
# for women size 8", "queen size 7 panty hose")
_HOSIERY = re.compile(
    r"(?<![\w'’-])(?:socks|tights|stockings|(?:panty\s?)?hose|pantyhose|hosiery)(?![\w'’-])",
    re.I)


def _garment_numbers(text: str) -> list[Size]:
    """The numeric garment, shoe, diaper and ball sizes of a query that names clothing,
    footwear, diapers (:data:`_DIAPERS`: "huggies diapers size 4": "4") or a sports ball
    (:data:`_BALLS`: "size 5 soccer ball": "5"): a
    whole or half number right after "size" ("adidas sneakers size 8 white": "8", "womens
    running shoes size 8.5": "8.5"), each with the characters it was read from, the word
    "size" included; none of a range, a list, an age or a bounded size ("size 6-7", "size 8
    or 9", "size 24 month", "size 10 and under"), nor of hosiery ("ankle socks size 8")."""
    # (the numbers after "size" first: most queries have none, and the words of what is worn,
    # a long alternation, are then not searched)
    found = [Size(m.group("v"), m.start(), m.end()) for m in _SIZE_THEN_NUMBER.finditer(text)
             if not (_bound_before(text, m.start()) or _SIZE_BOUND_AFTER.match(text, m.end()))]
    if not found or not (_WEARS.search(text) or _DIAPERS.search(text) or _BALLS.search(text)) \
            or _HOSIERY.search(text):
        return []
    return found


def size_hints(text: str) -> list[Size]:
    """Sizes a query names that are no filter, a hint only (an UP boost in fusion.expand):
    a shoe or garment size in a size system ("nike running shoes uk 9": "UK 9", "eu size 42":
    "EU 42") in a query that names clothing or footwear, and the waist, or waist and length, of
    trousers ("jeans for men 32x30": "32x30", "levis jeans 34 waist", "waist 34": "34"). No
    query of the data sets writes either, so their precision as filters is unknown, and a
    catalogue writes them in many forms ("UK 9", "9 UK", "32W x 30L"): a filter on the wrong one
    removes every product. And the screen size of the device an accessory of it is sought for,
    named without a fits word ("tv mount 65 inch", "65 inch tv wall mount": "65 inch";
    :func:`_device_accessory`): what the mount fits, no size of its own; and the capacity of a
    container the product serves ("aquarium heater 50 gallon", "5 gallon water dispenser":
    "50 gallon", "5 gallon"; :func:`_serves_container`).

    >>> [s.value for s in size_hints("nike running shoes uk 9")], size_hints("uk 9")
    (['UK 9'], [])
    >>> [s.value for q in ("jeans for men 32x30", "28 waist jeans") for s in size_hints(q)]
    ['32x30', '28']
    """
    out: list[Size] = list(_numeric_sizes(text)[1])
    # (the sizes in a size system first: most queries have none, and the words of what is
    # worn are then not searched)
    system = [Size(f"{m.group('sys').upper()} {m.group('v')}", m.start(), m.end())
              for m in _SYSTEM_SIZE.finditer(text)
              if not (_bound_before(text, m.start()) or _SIZE_BOUND_AFTER.match(text, m.end()))]
    if system and _WEARS.search(text):
        out += system
    if _TROUSERS.search(text):
        for m in _WAIST_SIZE.finditer(text):
            if _bound_before(text, m.start()) or _SIZE_BOUND_AFTER.match(text, m.end()):
                continue
            value = f"{m.group('w')}x{m.group('l')}" if m.group("w") else (
                m.group("waist") or m.group("after"))
            out.append(Size(value, m.start(), m.end()))
    return sorted(out, key=lambda size: size.start)


def _numeric_sizes(text: str) -> tuple[list[Size], list[Size]]:
    """The sizes of a query written with a unit (:data:`_SIZE`), with where each was read: ``(
    sizes, hints)``, the hints those of the device an accessory of it is sought for
    (:func:`_device_accessory`: "tv mount 65 inch") and of the container a product serves
    (:func:`_serves_container`: "5 gallon bucket lid")."""
    if _DIGIT.search(text) is None:
        return [], []  # (most queries: every size of :data:`_SIZE` opens with a digit)
    out: list[Size] = []
    hints: list[Size] = []
    lists: list[int] = []  # (for each size of ``out``, the match it was read with)
    for m in _SIZE.finditer(text):
        one = m.group("one")
        if not one:
            continue
        items = _list_items(text, m)
        start = items[0][0] if items else m.start()
        if not _is_size(text, m, start):
            continue
        to = hints if _device_accessory(text, m, start) \
            or _serves_container(text, m, start) or _jack_size(text, m) else out
        # (the fraction slash, "1⁄2 inch" as NFKC writes "½ inch", is the "/" an index holds)
        one = _TWO_MARK_INCH.sub('"', one).replace("⁄", "/")
        number = _NUMBER_START.match(one)  # (the unit after it, " inch" of "65 inch", is the
        unit = one[number.end():] if number else ""  # unit of the list's bare numbers)
        to.extend(Size(text[lo:hi].replace("⁄", "/") + unit, lo, hi) for lo, hi in items)
        to.append(Size(one, m.start(), m.end()))
        if to is out:
            lists += [m.start()] * (len(items) + 1)
    parts = _parts(text, out, lists)
    return [s for s in out if s not in parts], sorted([*hints, *parts], key=lambda s: s.start)


# the storage units (MB, GB, TB): the one dimension two sizes of which may be two parts of the
# product, memory and storage ("laptop 16gb ram 512gb ssd"); two sizes of another unit are
# alternatives ("55 inch and 65 inch tv": a screen has one size; "4mm 6mm 8mm ring")
_STORAGE = re.compile(r"(?:gb|tb|mb|gigabytes?|terabytes?|megabytes?)$", re.I)
# what joins two sizes a query gives as alternatives ("500gb or 1tb", "55 inch, 65 inch", "55
# vs 65 inch"); between two storage sizes other words, "and", "+" or a slash, join alternatives
# or two parts as far apart their amounts are (:data:`_PARTS_APART`)
_ALTERNATIVE_JOINER = re.compile(
    r"\s*(?:,\s*(?:or\s+)?|(?<=\s)(?:or|nor|vs\.?|versus)(?=\s))\s*", re.I)
#: how many times the smaller of two storage sizes the larger is at least where the two are
#: memory and storage (4gb and 32gb, 8gb and 64gb, 16gb and 512gb), no choice of one
#: (500gb or 1tb, 64gb or 256gb); and where the query names memory (:data:`_MEMORY`: "laptop
#: 8gb ram 32gb emmc"). A query for storage media, or for a device sold by its storage alone
#: (an iPhone, an iPad: :data:`_STORAGE_MEDIA`), names no memory: its two sizes are
#: alternatives whatever their amounts ("ssd 128gb 1tb", "iphone 32gb 256gb")
_PARTS_APART, _PARTS_APART_MEMORY = 8.0, 4.0
# storage media, sold by one capacity: a drive, a card, a stick; and devices sold by their
# storage alone, whose memory nobody searches (iPhone, iPad, iPod)
_STORAGE_MEDIA = re.compile(
    r"(?<![\w'’-])(?:ssds?|hdds?|nvme|hard\s+drives?|drives?|flash|thumb\s?drives?|pen\s?drives?"
    r"|usb|sd|microsd|micro\s+sd|sdxc|sdhc|cards?|sticks?|disks?|discs?|iphones?|ipads?"
    r"|ipods?)(?![\w'’-])", re.I)
# a query's word for memory ("ram", "memory", "ddr4"; not a memory card's, which stores)
_MEMORY = re.compile(
    r"(?<![\w'’-])(?:ram|memory(?!\s+(?:cards?|sticks?))|(?:lp)?ddr\w*)(?![\w'’-])", re.I)
# a negation cue between two sizes (a bound's, :data:`_NEGATION_CUE`, or an exclusion's): the
# query excludes the second, which is then no part of the product ("tablet 128gb not 64gb",
# "phone 128gb without 64gb")
_EXCLUDES_BETWEEN = re.compile(
    rf"{_NEGATION_CUE}|(?<![\w'’-])(?:non|without|except|excluding|but|other\s+than|isnt)"
    r"(?![\w'’-])", re.I)
# the gigabytes of a storage unit
_GIGABYTES = ((re.compile(r"(?:mb|megabytes?)$", re.I), 1 / 1024),
              (re.compile(r"(?:tb|terabytes?)$", re.I), 1024.0))


def _size_amount(value: str) -> float | None:
    """The gigabytes of a storage size's value ("1tb": 1024, "512mb": 0.5); None where its
    number is not read."""
    number = _NUMBER_START.match(value)
    if number is None or "/" in number.group() or " " in number.group().strip():
        return None  # (a fraction, "3/8 in": alike only when written the same)
    try:
        amount = float(number.group().replace(",", ".").rstrip("- "))
    except ValueError:
        return None
    for unit, per in _GIGABYTES:
        if unit.search(value):
            return amount * per
    return amount


def _alternatives(text: str, a: Size, b: Size) -> bool:
    """Whether two storage sizes, ``a`` before ``b``, are alternatives: joined by "or", ",",
    "vs" (:data:`_ALTERNATIVE_JOINER`), one excluded ("tablet 128gb not 64gb"), one value
    twice, in a query for storage media that names no memory ("ssd 128gb 1tb"), or less than
    :data:`_PARTS_APART` times apart (:data:`_PARTS_APART_MEMORY` in a query that names
    memory): "iphone 64gb 256gb", "ssd 256gb 1tb", "ram 16gb 32gb", "iphone 64gb/256gb"; not
    "macbook pro 16gb 512gb", "chromebook 4gb 32gb", "laptop 8gb ram 32gb emmc"."""
    if a.value.lower() == b.value.lower():
        return True  # one value twice
    if _ALTERNATIVE_JOINER.fullmatch(text, a.end, b.start) \
            or _EXCLUDES_BETWEEN.search(text, a.end, b.start):
        return True  # (one excluded, "128gb not 64gb": a choice, no second part)
    x, y = _size_amount(a.value), _size_amount(b.value)
    if x is None or y is None or min(x, y) <= 0:
        return True
    memory = _MEMORY.search(text) is not None
    if not memory and _STORAGE_MEDIA.search(text):
        return True  # ("ssd 128gb 1tb", "iphone 32gb 256gb": one capacity or another)
    apart = _PARTS_APART_MEMORY if memory else _PARTS_APART
    return max(x, y) < apart * min(x, y)


def _parts(text: str, sizes: list[Size], lists: list[int]) -> list[Size]:
    """The storage sizes of ``sizes`` (in order; ``lists``: the match each was read with, the
    numbers of a list that writes its unit once sharing one) that are no alternative to
    another: two parts of the product, memory and storage ("laptop 16gb ram 512gb ssd",
    "15.6 inch laptop 1tb 16gb"). A search engine ORs the values of one dimension; a filter
    on both would be either, so each is a hint (:func:`size_hints`), no filter. Sizes joined
    by "or", "," or "vs" ("ssd 500gb or 1tb", "phone 64 or 128gb") or close in amount ("ram
    16gb 32gb", "ssd 256gb 1tb") are alternatives and stay (:func:`_alternatives`), and so
    are the sizes of every other unit ("55 inch and 65 inch tv", "4mm 6mm 8mm ring")."""
    at = [i for i, size in enumerate(sizes) if _STORAGE.search(size.value)]
    if len(at) < 2 or all(lists[a] == lists[b] or _alternatives(text, sizes[a], sizes[b])
                          for a, b in pairwise(at)):
        return []
    return [sizes[i] for i in at]


def find_sizes(text: str) -> list[Size]:
    """The sizes of a query, in order, with where each was read (see :func:`parse_sizes`).

    >>> find_sizes("55 or 65 inch tv")
    [Size(value='55 inch', start=0, end=2), Size(value='65 inch', start=6, end=13)]
    """
    out = _numeric_sizes(text)[0]
    words = [*_word_sizes(text), *_garment_numbers(text)]
    return sorted([*out, *words], key=lambda size: size.start) if words else out


def parse_sizes(text: str) -> list[str]:
    """The sizes of a query as written, in order (a range, a bounded size, the size of a
    device the product fits and the storage of a device an accessory is sought for give none:
    see the module docs). Each number of a list that writes its unit once is a size with that
    unit ("55 or 65 inch": 55 inch and 65 inch), and an inch mark written with two characters
    is '"' ('50′′', "50''": '50"'). Letter, bra and bed sizes are read as a size facet holds
    them ("kurti size m": M, "t shirt xxl": XXL, "king size bedsheet": King).

    >>> parse_sizes("lg 55 inch tv 2tb"), parse_sizes("5 in 1 charger")
    (['55 inch', '2tb'], [])
    >>> parse_sizes("tv under 55 inch"), parse_sizes("tv stand for 65 inch tv")
    ([], [])
    >>> parse_sizes("phone 64 or 128gb"), parse_sizes("50′′ tv")
    (['64gb', '128gb'], ['50"'])
    >>> parse_sizes("kurti m size"), parse_sizes("t shirt xxl"), parse_sizes("pixel 3 xl")
    (['M'], ['XXL'], [])
    """
    return [size.value for size in find_sizes(text)]
